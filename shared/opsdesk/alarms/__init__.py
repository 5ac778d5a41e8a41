"""CloudWatch alarm state changes, from SNS and EventBridge, as one normalised change."""
