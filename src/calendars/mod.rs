//! Calendars (issue 18, API-2.md section 4): private `.ics` feeds of a user's pending
//! tasks with a due. The values are in [`model`], the RFC 5545 writer in [`ics`], the
//! user's `VTIMEZONE` in [`vtimezone`], a feed's body in [`feed`] and the service in
//! [`service`].

pub mod feed;
pub mod ics;
pub mod model;
pub mod service;
pub mod vtimezone;

pub use service::{Feeds, Published};
