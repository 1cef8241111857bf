//! `/help/keys`: the keyboard shortcuts, as a page for anyone (the script shows the same
//! list in a dialog on `?`; both come from `templates/help_keys.html`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::Chrome;
use crate::state::AppState;
use crate::web::session::Visitor;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/help/keys", get(keys_page))
}

#[derive(Template, WebTemplate)]
#[template(path = "keys.html")]
struct KeysPage {
    chrome: Chrome,
}

async fn keys_page(State(state): State<AppState>, visitor: Visitor) -> KeysPage {
    KeysPage {
        chrome: Chrome::new(&state, &visitor, ""),
    }
}
