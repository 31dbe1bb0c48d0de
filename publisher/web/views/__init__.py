"""One Flask blueprint per area of the site."""
