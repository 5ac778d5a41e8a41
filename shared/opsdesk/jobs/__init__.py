"""Scheduled jobs: each feature registers its jobs; the SchedulesFunction runs them by name."""
