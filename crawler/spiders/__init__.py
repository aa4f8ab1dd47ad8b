"""One spider per site type (provincial_portal, quality_education,
university_party, mirror) plus `generic` for sites with no rules."""
