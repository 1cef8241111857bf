//! The Undo buttons of the notices (issue 21, step 3): restoring a deleted task, undoing
//! a completion. Each answers with a notice and back to the list it came from; a task
//! that is gone or no longer the user's is a notice too, never an error page.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;

use super::IdPath as TaskPath;
use super::tasks::{BackForm, list_url};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::Restore;
use crate::web::error::WebError;
use crate::web::forms::CsrfForm;
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks/{id}/restore", post(tasks_restore))
        .route("/tasks/{id}/undo-done", post(tasks_undo_done))
}

/// Restores a task the user deleted within the undo window.
async fn tasks_restore(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    CsrfForm { visitor, form }: CsrfForm<BackForm>,
) -> Result<Response, WebError> {
    let notice = match state.tasks.restore(signed_in.user.id, id).await {
        Ok(Restore::Restored(_)) => "task-restored",
        Ok(Restore::Expired) => "undo-expired",
        Ok(Restore::NoList) => "undo-no-list",
        Ok(Restore::NoAccess) => "task-gone",
        // Nothing of theirs in the trash: restored already, someone else's, or swept.
        Ok(Restore::NotFound) | Err(AppError::NotFound(_)) => "undo-gone",
        Err(e) => return Err(e.into()),
    };
    visitor.flash(notice);
    Ok(see_other(&list_url(&form.back)))
}

/// Undoes a completion, if the task is still as the completion left it.
async fn tasks_undo_done(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TaskPath(id): TaskPath,
    CsrfForm { visitor, form }: CsrfForm<BackForm>,
) -> Result<Response, WebError> {
    let version = form
        .version
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::BadRequest("the form has no valid version to undo".into()))?;
    let notice = match state.tasks.uncomplete(signed_in.user.id, id, version).await {
        Ok(_) => "done-undone",
        Err(AppError::PreconditionFailed(_) | AppError::Conflict(_)) => "undo-stale",
        Err(AppError::NotFound(_)) => "task-gone",
        Err(e) => return Err(e.into()),
    };
    visitor.flash(notice);
    Ok(see_other(&list_url(&form.back)))
}
