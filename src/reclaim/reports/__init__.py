"""Reports: render results of the domains as documents (HTML, Markdown, charts) for people."""
