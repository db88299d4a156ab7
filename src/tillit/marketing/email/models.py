"""Email campaigns and newsletters: mailings, one message per recipient, tracking, unsubscribes."""
