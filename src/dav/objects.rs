//! The `<d:response>` of every task of a list, for the reports and the `PROPFIND` (here)
//! that answer a whole collection. Writing a task with its `VTODO` costs a few
//! microseconds (its properties, its `ETag`, the XML escaping), so a list of 10 000 tasks
//! is 20 to 30 ms of CPU: more than a runtime thread may be held for. Above [`SPLIT`]
//! tasks the writing runs on two blocking threads, each writing half of the list in
//! order, and the halves are joined: the answer is the same, in the same order, in about
//! half the time on a machine with a core to spare (docs/benchmarks.md, "Calendars").

use std::ops::Range;
use std::sync::Arc;

use axum::response::Response;
use uuid::Uuid;

use super::auth::DavUser;
use super::props::{self, Node};
use super::reply::{self, Depth, app_error, list_href, object_href};
use super::xml::{Multistatus, Propfind};
use crate::calendars::caldav::CalDav;
use crate::error::AppError;
use crate::lists::model::{List, Role};
use crate::tasks::model::Task;

/// From this many tasks on, the responses are written on two threads.
const SPLIT: usize = 256;

/// Whose tasks are written, how, and which of them.
pub(super) struct Objects<K> {
    user: Uuid,
    list: Uuid,
    role: Role,
    /// The user's zone, which the `VTODO`s are written in.
    zone: String,
    props: Propfind,
    /// Whether a task is in the answer (a `calendar-query`'s filter).
    keep: K,
}

impl<K: Fn(&Task) -> bool> Objects<K> {
    /// The tasks of `list` that `keep` keeps, as `user` asked for them (`props`).
    pub fn new(user: Uuid, list: &List, zone: String, props: Propfind, keep: K) -> Self {
        Self {
            user,
            list: list.id,
            role: list.role,
            zone,
            props,
            keep,
        }
    }

    fn write(&self, out: &mut Multistatus, tasks: &[Task]) {
        for task in tasks.iter().filter(|t| (self.keep)(t)) {
            let href = object_href(self.user, self.list, &CalDav::name_of(task));
            let node = Node::Object(task, &self.zone, self.role);
            props::respond(out, &href, &node, &self.props, self.user);
        }
    }
}

/// Appends the responses of the `tasks` that `objects` keeps to `out`, in order.
pub(super) async fn respond_all<K>(
    out: &mut Multistatus,
    tasks: Vec<Task>,
    objects: Objects<K>,
) -> Result<(), AppError>
where
    K: Fn(&Task) -> bool + Send + Sync + 'static,
{
    if tasks.len() < SPLIT {
        objects.write(out, &tasks);
        return Ok(());
    }
    let half = tasks.len() / 2;
    let all = tasks.len();
    let shared = Arc::new((tasks, objects));
    let part = |range: Range<usize>| {
        let shared = Arc::clone(&shared);
        tokio::task::spawn_blocking(move || {
            let (tasks, objects) = &*shared;
            let mut part = Multistatus::part();
            objects.write(&mut part, &tasks[range]);
            part
        })
    };
    let (first, second) = tokio::join!(part(0..half), part(half..all));
    let failed = |e: tokio::task::JoinError| AppError::Internal(format!("writing a report: {e}"));
    out.append(first.map_err(failed)?);
    out.append(second.map_err(failed)?);
    Ok(())
}

/// `PROPFIND` of a list's collection and, at depth 1, its tasks.
pub async fn propfind(
    dav: &CalDav,
    user: &DavUser,
    list_id: Uuid,
    depth: Depth,
    body: &[u8],
) -> Response {
    let find = match props::request(depth, body) {
        Ok(f) => f,
        Err(r) => return *r,
    };
    let list = match dav.collection(user.id, list_id).await {
        Ok(l) => l,
        Err(e) => return app_error(e),
    };
    let mut out = Multistatus::new();
    props::respond(
        &mut out,
        &list_href(user.id, list.id),
        &Node::List(&list),
        &find,
        user.id,
    );
    if depth == Depth::One {
        let (changes, zone) = match dav.changes(user.id, list.id, 0).await {
            Ok(r) => r,
            Err(e) => return app_error(e),
        };
        let objects = Objects::new(user.id, &list, zone, find, |_: &Task| true);
        if let Err(e) = respond_all(&mut out, changes.tasks, objects).await {
            return app_error(e);
        }
    }
    reply::multistatus(out.finish())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::dav::xml::PropName;

    fn tasks(n: u128) -> Vec<Task> {
        (0..n)
            .map(|i| {
                let at = datetime!(2027-01-02 00:00 UTC);
                let title = format!("Task <{i}> & more");
                Task {
                    id: Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0000 + i),
                    description: "a line\nand another".into(),
                    completed: i % 3 == 0,
                    due_at: Some(datetime!(2027-03-01 10:00 UTC)),
                    due_key: Some(datetime!(2027-03-01 10:00 UTC)),
                    tags: vec!["home".into()],
                    completed_at: (i % 3 == 0).then_some(at),
                    ..Task::sample(Uuid::from_u128(1), Uuid::from_u128(2), &title, at)
                }
            })
            .collect()
    }

    fn objects() -> Objects<impl Fn(&Task) -> bool + Send + Sync + 'static> {
        Objects {
            user: Uuid::from_u128(1),
            list: Uuid::from_u128(2),
            role: Role::Owner,
            zone: "Europe/Berlin".into(),
            props: Propfind::Props(vec![
                PropName::dav("getetag"),
                PropName::caldav("calendar-data"),
            ]),
            keep: |t: &Task| !t.completed,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_list_written_on_two_threads_is_the_list_written_on_one() {
        for n in [0, 1, 255, 256, 257, 1001] {
            let list = tasks(n);
            let mut one = Multistatus::new();
            objects().write(&mut one, &list);
            let mut two = Multistatus::new();
            respond_all(&mut two, list, objects())
                .await
                .expect("written");
            let (one, two) = (one.finish(), two.finish());
            assert_eq!(one, two, "{n} tasks");
            let kept = (0..n).filter(|i| i % 3 != 0).count();
            assert_eq!(two.matches("<d:response>").count(), kept, "{n} tasks");
            assert_eq!(two.matches("BEGIN:VTODO").count(), kept, "{n} tasks");
        }
    }
}
