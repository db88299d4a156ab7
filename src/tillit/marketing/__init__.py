"""Marketing: segments and static lists (this app), email campaigns (``marketing.email``), website
tracking, campaigns and attribution (``marketing.web``)."""
