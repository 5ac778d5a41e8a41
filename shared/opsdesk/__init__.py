"""opsdesk: the AWS ops team's support desk and incident system."""
