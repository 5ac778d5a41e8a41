"""`make bench`: what makes Slack feel instant and what keeps cost flat, against references measured in the same run."""
