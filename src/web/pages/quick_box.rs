//! What the quick-add box (`templates/quick_add.html`) shows on a page; the form's
//! handler is `quick.rs`.

use serde::Deserialize;

use crate::web::forms::Errors;
use crate::web::kept::Kept;

/// The quick-add box's state on a page (and its form, as sent).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct QuickBox {
    /// The text as typed (kept when it is refused).
    pub text: String,
    /// Why it was refused.
    #[serde(skip)]
    pub error: Option<String>,
    /// Where to come back to: a view's path, or the tasks page's query string.
    pub back: String,
    /// The list a task goes into when the text names none (empty: the inbox).
    pub list_id: String,
}

impl QuickBox {
    /// An empty box on the page `back` leads to, adding to `list_id` by default.
    pub fn new(back: &str, list_id: &str) -> Self {
        Self {
            back: back.to_owned(),
            list_id: list_id.to_owned(),
            ..Self::default()
        }
    }

    /// The box as a kept quick-add form left it, with its errors, if `kept` is one.
    pub fn kept(kept: &Kept) -> Option<(Self, Errors)> {
        let (mut quick, errors) = kept.of::<Self>("quick")?;
        quick.error = errors.get("text");
        Some((quick, errors))
    }
}
