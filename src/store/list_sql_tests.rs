//! The SQL the list builds, checked as text.

use super::*;
use crate::store::list_tags::prefix_end;
use crate::tasks::order::Sort;

#[test]
fn every_statement_is_scoped_to_the_lists_given() {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let q = ListQuery::parse("q=x&tag=y&status=pending").expect("valid");
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let one = build(dialect, "t.id", &[a], &q);
        let p = if dialect == Dialect::Sqlite { "?" } else { "$" };
        assert!(
            one.page().contains(&format!("WHERE t.list_id = {p}1 AND")),
            "{}",
            one.page()
        );
        assert!(
            one.page().contains(&format!("g.list_id = {p}1 AND g.tag")),
            "{}",
            one.page()
        );
        assert_eq!(one.page_params[0], Param::Uuid(a));
        let two = build(dialect, "t.id", &[a, b], &q);
        let page = two.page();
        assert_eq!(page.matches(" UNION ALL ").count(), 1, "{page}");
        assert!(
            page.contains(&format!("WHERE t.list_id = {p}1 AND")),
            "{page}"
        );
        assert!(
            page.contains(&format!("WHERE t.list_id = {p}2 AND")),
            "{page}"
        );
        assert!(
            two.count()
                .contains(&format!("WHERE t.list_id IN ({p}1, {p}2) AND")),
            "{}",
            two.count()
        );
        assert!(
            two.page_with_total().contains(&format!(
                "(SELECT COUNT(*) FROM tasks t WHERE t.list_id IN ({p}1, {p}2) AND"
            )),
            "{}",
            two.page_with_total()
        );
        assert_eq!(two.count_params()[..2], [Param::Uuid(a), Param::Uuid(b)]);
    }
}

#[test]
fn many_lists_are_read_by_one_sorted_statement() {
    let lists: Vec<Uuid> = (0..=MAX_BRANCHES).map(|_| Uuid::now_v7()).collect();
    let sql = build(Dialect::Sqlite, "t.id", &lists, &ListQuery::default());
    assert!(!sql.page().contains("UNION ALL"), "{}", sql.page());
    assert!(
        sql.page().contains("t.list_id IN (?1, ?2, "),
        "{}",
        sql.page()
    );
    let sql = build(
        Dialect::Sqlite,
        "t.id",
        &lists[..MAX_BRANCHES],
        &ListQuery::default(),
    );
    assert_eq!(sql.page().matches("UNION ALL").count(), MAX_BRANCHES - 1);
}

#[test]
fn placeholders_follow_the_dialect_and_the_limit_fetches_one_more() {
    let mut q = ListQuery::parse("sort=title&limit=10").expect("valid");
    q.cursor = Some(Cursor {
        key: CursorKey::Text("m".into()),
        id: Uuid::now_v7(),
    });
    q.sort = Sort::parse("title").expect("valid");
    let pg = build(Dialect::Postgres, "t.id", &[Uuid::now_v7()], &q);
    assert!(
        pg.page()
            .contains("(t.title_lower COLLATE \"C\", t.id) > ($3, $2)"),
        "{}",
        pg.page()
    );
    assert!(pg.page().ends_with("LIMIT $4"), "{}", pg.page());
    assert_eq!(pg.page_params.last(), Some(&Param::Int(11)));
    let lite = build(Dialect::Sqlite, "t.id", &[Uuid::now_v7()], &q);
    assert!(
        lite.page().contains("(t.title_lower, t.id) > (?3, ?2)"),
        "{}",
        lite.page()
    );
    assert!(lite.page().ends_with("LIMIT 11"), "{}", lite.page());
    assert_eq!(lite.page_params.len(), 3, "no parameter for the limit");
    // The count binds only the list's and the filters' placeholders, the first of the
    // page's.
    assert_eq!(pg.count_params(), &pg.page_params[..1]);
    assert!(pg.count().ends_with("l.id = $1"), "{}", pg.count());
    assert_eq!(lite.count_params().len(), 1);
    // Branches are ordered again, outside, by the same key.
    let two = build(
        Dialect::Postgres,
        "t.id",
        &[Uuid::now_v7(), Uuid::now_v7()],
        &q,
    );
    assert!(
        two.page()
            .ends_with("u ORDER BY u.title_lower COLLATE \"C\" ASC, u.id ASC LIMIT $5"),
        "{}",
        two.page()
    );
}

#[test]
fn a_tag_prefix_is_a_byte_wise_range() {
    assert_eq!(prefix_end("wo").as_deref(), Some("wp"));
    assert_eq!(prefix_end("a\u{d7ff}").as_deref(), Some("a\u{e000}"));
    assert_eq!(prefix_end("a\u{10ffff}").as_deref(), Some("b"));
    assert_eq!(prefix_end("\u{10ffff}"), None);
    let mut q = ListQuery::parse("tag=wo").expect("valid");
    let exact = build(Dialect::Sqlite, "t.id", &[Uuid::now_v7()], &q);
    assert!(exact.page().contains("g.tag = ?2)"), "{}", exact.page());
    q.tag_prefix = true;
    let lite = build(Dialect::Sqlite, "t.id", &[Uuid::now_v7()], &q);
    assert!(
        lite.page().contains("g.tag >= ?2 AND g.tag < ?3)"),
        "{}",
        lite.page()
    );
    assert_eq!(
        lite.page_params[1..],
        [Param::Text("wo".into()), Param::Text("wp".into())]
    );
    let pg = build(Dialect::Postgres, "t.id", &[Uuid::now_v7()], &q);
    assert!(
        pg.page()
            .contains("g.tag COLLATE \"C\" >= $2 AND g.tag COLLATE \"C\" < $3)"),
        "{}",
        pg.page()
    );
}

#[test]
fn the_agenda_and_reading_backward_turn_the_order_round() {
    let mut q = ListQuery {
        sort: Sort::AGENDA,
        limit: 20,
        ..ListQuery::default()
    };
    q.cursor = Some(Cursor {
        key: CursorKey::Agenda(Some(5), 3),
        id: Uuid::now_v7(),
    });
    let forward = build(Dialect::Sqlite, "t.id", &[Uuid::now_v7()], &q).page();
    assert!(
        forward.contains(
            "ORDER BY (t.due_key IS NULL) ASC, t.due_key ASC, t.priority DESC, t.id DESC"
        ),
        "{forward}"
    );
    assert!(
        forward.contains("(t.due_key IS NULL OR t.due_key > ?4 OR (t.due_key = ?4 AND (t.priority < ?3 OR (t.priority = ?3 AND t.id < ?2))))"),
        "{forward}"
    );
    q.backward = true;
    let back = build(Dialect::Postgres, "t.id", &[Uuid::now_v7()], &q).page();
    assert!(
        back.contains(
            "ORDER BY (t.due_key IS NULL) DESC, t.due_key DESC, t.priority ASC, t.id ASC"
        ),
        "{back}"
    );
    assert!(
        back.contains("(t.due_key < $4 OR (t.due_key = $4 AND (t.priority > $3 OR (t.priority = $3 AND t.id > $2))))"),
        "{back}"
    );
    // A plain key read backward: the comparison and every direction turned round.
    let mut q = ListQuery::parse("sort=-due_at&limit=5").expect("valid");
    q.cursor = Some(Cursor {
        key: CursorKey::Int(Some(7)),
        id: Uuid::now_v7(),
    });
    q.backward = true;
    let lite = build(Dialect::Sqlite, "t.id", &[Uuid::now_v7()], &q).page();
    assert!(lite.contains("(t.due_key, t.id) > (?3, ?2)"), "{lite}");
    assert!(
        lite.ends_with("ORDER BY t.due_key ASC, t.id ASC LIMIT 6"),
        "{lite}"
    );
    let pg = build(Dialect::Postgres, "t.id", &[Uuid::now_v7()], &q).page();
    assert!(
        pg.contains("ORDER BY t.due_key ASC NULLS FIRST, t.id ASC"),
        "{pg}"
    );
}

#[test]
fn the_total_comes_from_the_lists_counts_without_filters_or_with_the_status_alone() {
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    for query in ["", "status=pending", "status=completed", "sort=due_at"] {
        let q = ListQuery::parse(query).expect("valid");
        let sql = build(Dialect::Postgres, "t.id", &[a, b], &q);
        assert!(
            sql.count().contains("FROM lists l WHERE l.id IN ($1, $2)"),
            "{query}: {}",
            sql.count()
        );
        // The status's placeholder is in the count, so both bind the same parameters.
        let placeholders = sql.count_params().len();
        assert!(
            sql.count().contains(&format!("${placeholders}")),
            "{query}: {}",
            sql.count()
        );
    }
    // One whole tag alone counts the tag index; a prefix (a task can match it twice) or
    // another filter beside it counts the tasks.
    for (query, prefix, from_tags) in [
        ("tag=x", false, true),
        ("tag=x", true, false),
        ("status=pending&tag=x", false, false),
    ] {
        let mut q = ListQuery::parse(query).expect("valid");
        q.tag_prefix = prefix;
        let sql = build(Dialect::Sqlite, "t.id", &[a], &q);
        assert_eq!(
            sql.count()
                .starts_with("SELECT COUNT(*) FROM task_tags g WHERE g.list_id = ?1 AND g.tag = ?"),
            from_tags,
            "{query} {prefix}: {}",
            sql.count()
        );
    }
    for query in ["q=x", "priority=high", "status=pending&q=x"] {
        let q = ListQuery::parse(query).expect("valid");
        let sql = build(Dialect::Sqlite, "t.id", &[a], &q);
        assert!(
            sql.count()
                .starts_with("SELECT COUNT(*) FROM tasks t WHERE t.list_id = ?1 AND"),
            "{query}: {}",
            sql.count()
        );
    }
}

#[test]
fn a_common_tag_is_looked_up_per_task_and_a_rare_one_read_whole() {
    assert_eq!(TagPlan::for_counts(100_000, 1_000_000), TagPlan::Probe);
    assert_eq!(TagPlan::for_counts(2_300, 1_000_000), TagPlan::Probe);
    assert_eq!(TagPlan::for_counts(2_000, 1_000_000), TagPlan::Planner);
    assert_eq!(TagPlan::for_counts(0, 0), TagPlan::Probe);
    let q = ListQuery::parse("tag=x&status=pending").expect("valid");
    let lists = [Uuid::now_v7(), Uuid::now_v7()];
    let probe = build_with(Dialect::Sqlite, "t.id", &lists, &q, TagPlan::Probe);
    let page = probe.page();
    assert_eq!(
        page.matches(
            "EXISTS (SELECT 1 FROM task_tags g WHERE g.list_id = t.list_id AND g.tag = ?4"
        )
        .count(),
        2,
        "{page}"
    );
    assert!(!page.contains("t.id IN"), "{page}");
    // The count reads the tag's entries either way; the statistics name the lists and the tag.
    assert_eq!(
        probe.count(),
        build(Dialect::Sqlite, "t.id", &lists, &q).count()
    );
    let (stats, params) = probe.tag_stats().expect("a tag");
    assert!(
        stats.contains("g.tag = ?4") && stats.contains("l.id IN (?1, ?2)"),
        "{stats}"
    );
    assert_eq!(params.len(), 4);
    assert!(
        build(Dialect::Sqlite, "t.id", &lists, &ListQuery::default())
            .tag_stats()
            .is_none()
    );
}

#[test]
fn every_readable_list_is_found_by_the_page_statement_itself() {
    let user = Uuid::now_v7();
    let q = ListQuery::parse("q=x&tag=y&status=pending").expect("valid");
    let sql = build_readable("t.id, t.created_at", user, &q);
    assert_eq!(sql.page_params[0], Param::Uuid(user));
    let readable = "SELECT r.id FROM (SELECT id FROM lists WHERE owner_id = $1 UNION ALL \
                    SELECT list_id FROM list_members WHERE user_id = $1) r";
    let page = sql.page_with_total();
    assert!(
        page.contains(&format!(
            "FROM ({readable}) l CROSS JOIN LATERAL (SELECT t.id"
        )),
        "{page}"
    );
    // Each branch is one list's, in the list's index order, and the tag is the list's too.
    assert!(page.contains("WHERE t.list_id = l.id AND"), "{page}");
    assert!(page.contains("g.list_id = l.id AND g.tag"), "{page}");
    assert!(
        page.ends_with(") b) u ORDER BY u.created_at DESC, u.id DESC LIMIT $5"),
        "{page}"
    );
    // The total covers the same lists, found the same way; with a tag, as a sum of each
    // list's count.
    assert!(
        page.contains(
            "(SELECT CAST(COALESCE(SUM((SELECT COUNT(*) FROM tasks t WHERE t.list_id = rl.id AND"
        ),
        "{page}"
    );
    assert!(
        page.contains(&format!(")), 0) AS BIGINT) FROM ({readable}) rl) AS total")),
        "{page}"
    );
    assert_eq!(sql.count_params()[0], Param::Uuid(user));
    let plain = build_readable("t.id, t.created_at", user, &ListQuery::default());
    assert!(
        plain
            .count()
            .ends_with(&format!("FROM lists l WHERE l.id IN ({readable})")),
        "{}",
        plain.count()
    );
    let text = build_readable("t.id", user, &ListQuery::parse("q=x").expect("valid"));
    assert!(
        text.count().starts_with(&format!(
            "SELECT COUNT(*) FROM tasks t WHERE t.list_id IN ({readable}) AND"
        )),
        "{}",
        text.count()
    );
    let tagged = ListQuery::parse("tag=y").expect("valid");
    let tag = build_readable("t.id, t.created_at", user, &tagged);
    assert!(
        tag.count().starts_with(
            "SELECT CAST(COALESCE(SUM((SELECT COUNT(*) FROM task_tags g \
             WHERE g.list_id = rl.id AND g.tag = $2)), 0)"
        ),
        "{}",
        tag.count()
    );
}
