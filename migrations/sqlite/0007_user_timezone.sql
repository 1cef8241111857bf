-- Time (issue 16, step 1): every account has an IANA time zone, in which "today",
-- "overdue" and all-day dates are reckoned; existing accounts start in UTC.
ALTER TABLE users ADD COLUMN timezone TEXT NOT NULL DEFAULT 'UTC';
