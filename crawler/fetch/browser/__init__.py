"""Pages built by JavaScript, rendered with the system Chromium (docs/browser.md).

- render.py: the downloader middleware that decides which requests are rendered;
- handler.py: the configuration, and the download handler that renders them
  through scrapy-playwright;
- proxy.py: the browser's only way out, asking the crawl's address policy.
"""
