"""HTTP doors: the JSON API under /api/v1 and the HTML pages. Thin: they translate."""
