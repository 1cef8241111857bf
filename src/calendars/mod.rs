//! Calendars (issue 18, API-2.md section 4): private `.ics` feeds of a user's pending
//! tasks with a due, and tasks as CalDAV `VTODO` resources. The values are in [`model`],
//! the RFC 5545 writer in [`ics`], what feeds and resources write alike in [`values`],
//! the user's `VTIMEZONE` in [`vtimezone`], a feed's body in [`feed`], reading and
//! writing a `VTODO` in [`vtodo`] and the feeds' service in [`service`].

pub mod caldav;
pub mod feed;
pub mod ics;
pub mod model;
pub mod service;
pub mod values;
pub mod vtimezone;
pub mod vtodo;

pub use service::{Feeds, Published};
