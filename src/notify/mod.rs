//! Notifications: channels, reminders and their delivery (issue 17).

pub mod email;
