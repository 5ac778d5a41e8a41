"""Public pages (status, published postmortems): HTML for phones without JavaScript, and Markdown."""
