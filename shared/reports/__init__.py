"""Reports over the team's tickets: execution (execute.py), CSV (export.py), schedules (schedule.py)."""
