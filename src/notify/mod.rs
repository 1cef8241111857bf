//! Notifications (issue 17, API-2.md section 3): a user's channels and the service over
//! them ([`service`]), what a reminder says ([`message`]), sending over each kind of
//! channel ([`send`], mail in [`email`]), and the worker that claims due reminders and
//! deliveries and sends them ([`worker`]). The values are in [`model`].

pub mod email;
pub mod message;
pub mod model;
pub mod send;
pub mod service;
pub mod worker;

pub use service::{ChannelRequest, Notifications};
pub use worker::Worker;
