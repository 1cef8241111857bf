//! REPORT bodies as real clients send them.

use jiff::Timestamp;

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn query(body: &[u8]) -> (Propfind, Filter) {
    match report(body).unwrap() {
        Report::CalendarQuery { props, filter } => (props, filter),
        other => panic!("expected a calendar-query, got {other:?}"),
    }
}

#[test]
fn sync_collection_first_and_later() {
    // DAVx5: the first sync, an empty token, sync-level 1.
    let first = br#"<?xml version='1.0' encoding='UTF-8' ?><sync-collection xmlns="DAV:"><sync-token /><sync-level>1</sync-level><prop><getetag /></prop></sync-collection>"#;
    assert_eq!(
        report(first).unwrap(),
        Report::SyncCollection {
            props: Propfind::Props(vec![PropName::dav("getetag")]),
            token: None,
            level: SyncLevel::One,
            limit: None,
        }
    );
    // Apple: a token, A: prefix, a limit, calendar-data asked for.
    let later = br#"<?xml version="1.0" encoding="UTF-8"?>
<A:sync-collection xmlns:A="DAV:">
  <A:sync-token>
    http://taskward.example/sync/42
  </A:sync-token>
  <A:sync-level>1</A:sync-level>
  <A:limit><A:nresults>100</A:nresults></A:limit>
  <A:prop>
    <A:getetag/>
    <B:calendar-data xmlns:B="urn:ietf:params:xml:ns:caldav"/>
  </A:prop>
</A:sync-collection>"#;
    let Report::SyncCollection {
        props,
        token,
        level,
        limit,
    } = report(later).unwrap()
    else {
        panic!()
    };
    assert_eq!(token.as_deref(), Some("http://taskward.example/sync/42"));
    assert_eq!(level, SyncLevel::One);
    assert_eq!(limit, Some(100));
    assert_eq!(
        props,
        Propfind::Props(vec![
            PropName::dav("getetag"),
            PropName::caldav("calendar-data")
        ])
    );
    let infinite = br#"<D:sync-collection xmlns:D="DAV:"><D:sync-token>7</D:sync-token><D:sync-level>infinite</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"#;
    assert!(matches!(
        report(infinite).unwrap(),
        Report::SyncCollection { level: SyncLevel::Infinite, token: Some(t), .. } if t == "7"
    ));
    // No sync-level at all (older clients): one level.
    let bare = br#"<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:prop><D:getetag/></D:prop></D:sync-collection>"#;
    assert!(matches!(
        report(bare).unwrap(),
        Report::SyncCollection {
            level: SyncLevel::One,
            token: None,
            ..
        }
    ));
    for bad in [
        &br#"<D:sync-collection xmlns:D="DAV:"><D:sync-level>2</D:sync-level></D:sync-collection>"#[..],
        br#"<D:sync-collection xmlns:D="DAV:"><D:limit><D:nresults>-1</D:nresults></D:limit></D:sync-collection>"#,
        br#"<D:sync-collection xmlns:D="DAV:"><D:limit><D:nresults>many</D:nresults></D:limit></D:sync-collection>"#,
    ] {
        assert!(matches!(report(bad), Err(XmlError::Invalid(_))), "{bad:?}");
    }
}

#[test]
fn calendar_multiget_with_several_hrefs() {
    // python caldav style: C: and D: prefixes, hrefs with percent-escapes and an &.
    let body = br#"<?xml version='1.0' encoding='utf-8'?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/><C:calendar-data/></D:prop>
  <D:href>/dav/calendars/ann/inbox/a.ics</D:href>
  <D:href>
    /dav/calendars/ann/inbox/b%20c.ics
  </D:href>
  <D:href>/dav/calendars/ann/inbox/d&amp;e.ics</D:href>
  <D:href></D:href>
</C:calendar-multiget>"#;
    let Report::Multiget { props, hrefs } = report(body).unwrap() else {
        panic!()
    };
    assert_eq!(
        hrefs,
        [
            "/dav/calendars/ann/inbox/a.ics",
            "/dav/calendars/ann/inbox/b%20c.ics",
            "/dav/calendars/ann/inbox/d&e.ics"
        ]
    );
    assert!(matches!(props, Propfind::Props(p) if p.len() == 2));
    // Thunderbird: a default CalDAV namespace.
    let tb = br#"<calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/><calendar-data/></D:prop><D:href>/x/1.ics</D:href><D:href>/x/2.ics</D:href></calendar-multiget>"#;
    assert!(matches!(report(tb).unwrap(), Report::Multiget { hrefs, .. } if hrefs.len() == 2));
}

#[test]
fn calendar_query_for_pending_tasks() {
    // Apple Reminders / DAVx5 (Tasks.org): the VTODOs without COMPLETED and not CANCELLED.
    let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<B:calendar-query xmlns:B="urn:ietf:params:xml:ns:caldav">
  <A:prop xmlns:A="DAV:"><A:getetag/><A:getcontenttype/></A:prop>
  <B:filter>
    <B:comp-filter name="VCALENDAR">
      <B:comp-filter name="VTODO">
        <B:prop-filter name="COMPLETED"><B:is-not-defined/></B:prop-filter>
        <B:prop-filter name="status">
          <B:text-match negate-condition="yes" collation="i;octet">CANCELLED</B:text-match>
        </B:prop-filter>
      </B:comp-filter>
    </B:comp-filter>
  </B:filter>
</B:calendar-query>"#;
    let (props, filter) = query(body);
    assert!(matches!(props, Propfind::Props(p) if p.len() == 2));
    assert_eq!(
        filter,
        Filter {
            component: Some("VTODO".into()),
            time_range: None,
            props: vec![
                PropFilter {
                    name: "COMPLETED".into(),
                    is_not_defined: true,
                    text_match: None,
                    time_range: None,
                },
                PropFilter {
                    name: "STATUS".into(),
                    is_not_defined: false,
                    text_match: Some(TextMatch {
                        text: "CANCELLED".into(),
                        negate: true,
                        case_sensitive: true,
                    }),
                    time_range: None,
                },
            ],
        }
    );
}

#[test]
fn calendar_query_with_a_time_range() {
    // Thunderbird: a default namespace for CalDAV, a time-range on the component.
    let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<calendar-query xmlns:D="DAV:" xmlns="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <filter>
    <comp-filter name="VCALENDAR">
      <comp-filter name="VTODO">
        <time-range start="20261101T000000Z" end="20261231T235959Z"/>
      </comp-filter>
    </comp-filter>
  </filter>
</calendar-query>"#;
    let (_, filter) = query(body);
    assert_eq!(filter.component.as_deref(), Some("VTODO"));
    assert_eq!(
        filter.time_range,
        Some(TimeRange {
            start: Some(ts("2026-11-01T00:00:00Z")),
            end: Some(ts("2026-12-31T23:59:59Z")),
        })
    );
    // Open-ended, and a time-range on a property; no prop: every property.
    let open = br#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="20260101T000000Z"/><C:prop-filter name="DUE"><C:time-range end="20270101T000000Z"/></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#;
    let (props, filter) = query(open);
    assert_eq!(props, Propfind::AllProp);
    assert_eq!(filter.component.as_deref(), Some("VEVENT"));
    assert_eq!(filter.time_range.unwrap().end, None);
    assert_eq!(
        filter.props[0].time_range.unwrap().end,
        Some(ts("2027-01-01T00:00:00Z"))
    );
    // VCALENDAR alone, or an empty filter: everything.
    let all = br#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:D="DAV:"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>"#;
    assert_eq!(query(all).1, Filter::default());
}

#[test]
fn bad_time_ranges_are_refused() {
    for (range, invalid_filter) in [
        (r#"start="2026-11-01T00:00:00Z""#, false),
        (r#"start="20261101T000000""#, false),
        (r#"start="20261301T000000Z""#, false),
        (r#"start="20261131T000000Z""#, false),
        (r#"start="2026110xT000000Z""#, false),
        (r#"start="+0261101T000000Z""#, false),
        (r#"start="20261101T250000Z""#, false),
        (r#"start="2026110éT00000Z""#, false),
        ("", true),
        (r#"start="20261102T000000Z" end="20261101T000000Z""#, true),
    ] {
        let body = format!(
            r#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:time-range {range}/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#
        );
        let e = report(body.as_bytes()).unwrap_err();
        if invalid_filter {
            assert!(matches!(e, XmlError::InvalidFilter(_)), "{range}: {e:?}");
        } else {
            assert!(matches!(e, XmlError::Invalid(_)), "{range}: {e:?}");
        }
    }
}

#[test]
fn unsupported_and_invalid_filters_are_403() {
    let wrap = |inner: &str| {
        format!(
            r#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:filter>{inner}</C:filter></C:calendar-query>"#
        )
    };
    let unsupported = [
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:comp-filter name="VALARM"/></C:comp-filter></C:comp-filter>"#,
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:is-not-defined/></C:comp-filter></C:comp-filter>"#,
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:prop-filter name="ATTENDEE"><C:param-filter name="PARTSTAT"/></C:prop-filter></C:comp-filter></C:comp-filter>"#,
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"/><C:comp-filter name="VEVENT"/></C:comp-filter>"#,
        r#"<C:comp-filter name="VCALENDAR"><C:time-range start="20260101T000000Z"/></C:comp-filter>"#,
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO" test="anyof"><C:prop-filter name="A"/><C:prop-filter name="B"/></C:comp-filter></C:comp-filter>"#,
    ];
    for inner in unsupported {
        let e = report(wrap(inner).as_bytes()).unwrap_err();
        assert!(
            matches!(e, XmlError::UnsupportedFilter(_)),
            "{inner}: {e:?}"
        );
        assert_eq!(e.status(), 403);
        assert_eq!(e.precondition(), Some(PropName::caldav("supported-filter")));
    }
    let invalid = [
        r#"<C:comp-filter name="VTODO"/>"#,
        r#"<C:comp-filter name="VCALENDAR"/><C:comp-filter name="VCALENDAR"/>"#,
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter/></C:comp-filter>"#,
        r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:prop-filter name="X"><C:is-not-defined/><C:text-match>a</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>"#,
    ];
    for inner in invalid {
        let e = report(wrap(inner).as_bytes()).unwrap_err();
        assert!(matches!(e, XmlError::InvalidFilter(_)), "{inner}: {e:?}");
        assert_eq!(e.precondition(), Some(PropName::caldav("valid-filter")));
    }
    let collation = r#"<C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:prop-filter name="SUMMARY"><C:text-match collation="i;klingon">x</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter>"#;
    let e = report(wrap(collation).as_bytes()).unwrap_err();
    assert_eq!(e, XmlError::UnsupportedCollation("i;klingon".into()));
    assert_eq!(e.status(), 403);
    let no_filter = br#"<C:calendar-query xmlns:C="urn:ietf:params:xml:ns:caldav"/>"#;
    assert!(matches!(report(no_filter), Err(XmlError::Invalid(_))));
}

#[test]
fn other_reports_are_named_for_a_403() {
    let body = br#"<D:expand-property xmlns:D="DAV:"><D:property name="x"/></D:expand-property>"#;
    assert_eq!(
        report(body).unwrap(),
        Report::Other(PropName::dav("expand-property"))
    );
    let fb = br#"<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range start="20260101T000000Z"/></C:free-busy-query>"#;
    assert_eq!(
        report(fb).unwrap(),
        Report::Other(PropName::caldav("free-busy-query"))
    );
    assert!(matches!(report(b""), Err(XmlError::Invalid(_))));
}
