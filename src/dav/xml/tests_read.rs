//! PROPFIND, PROPPATCH and MKCALENDAR bodies as real clients send them, and the bodies
//! refused.

use super::*;

fn names(p: &Propfind) -> Vec<String> {
    match p {
        Propfind::Props(names) => names.iter().map(ToString::to_string).collect(),
        other => panic!("expected props, got {other:?}"),
    }
}

#[test]
fn empty_propfind_is_allprop() {
    assert_eq!(propfind(b"").unwrap(), Propfind::AllProp);
    assert_eq!(propfind(b"  \r\n ").unwrap(), Propfind::AllProp);
    let all = br#"<?xml version="1.0"?><propfind xmlns="DAV:"><allprop/></propfind>"#;
    assert_eq!(propfind(all).unwrap(), Propfind::AllProp);
    let name = br#"<D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>"#;
    assert_eq!(propfind(name).unwrap(), Propfind::PropName);
}

#[test]
fn apple_calendar_home_propfind() {
    // Apple's style: upper-case A: for its iCal namespace, B: for calendarserver.
    let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:">
  <A:prop>
    <A:add-member/>
    <C:allowed-sharing-modes xmlns:C="http://calendarserver.org/ns/"/>
    <D:calendar-color xmlns:D="http://apple.com/ns/ical/"/>
    <E:calendar-description xmlns:E="urn:ietf:params:xml:ns:caldav"/>
    <A:current-user-privilege-set/>
    <A:displayname/>
    <C:getctag xmlns:C="http://calendarserver.org/ns/"/>
    <A:resourcetype/>
    <E:supported-calendar-component-set xmlns:E="urn:ietf:params:xml:ns:caldav"/>
    <A:sync-token/>
  </A:prop>
</A:propfind>"#;
    let p = propfind(body).unwrap();
    let n = names(&p);
    assert_eq!(n.len(), 10);
    assert_eq!(n[2], "{http://apple.com/ns/ical/}calendar-color");
    assert_eq!(n[6], "{http://calendarserver.org/ns/}getctag");
    let Propfind::Props(props) = p else {
        unreachable!()
    };
    assert!(props[8].is(CALDAV, "supported-calendar-component-set"));
    assert!(props[9].is(DAV, "sync-token"));
}

#[test]
fn thunderbird_davx5_and_python_caldav_propfinds() {
    // Thunderbird: D: and a CS: prefix.
    let tb = br#"<D:propfind xmlns:D="DAV:" xmlns:CS="http://calendarserver.org/ns/" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:resourcetype/><D:owner/><D:current-user-principal/><D:supported-report-set/><C:supported-calendar-component-set/><CS:getctag/></D:prop></D:propfind>"#;
    assert_eq!(names(&propfind(tb).unwrap()).len(), 6);
    // DAVx5: lower-case prefixes, a property of a namespace nobody knows, a duplicate.
    let davx5 = br#"<?xml version='1.0' encoding='UTF-8' ?><propfind xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav" xmlns:q="urn:example:unknown"><prop><CAL:calendar-home-set /><q:thing /><displayname /><displayname/></prop></propfind>"#;
    let n = names(&propfind(davx5).unwrap());
    assert_eq!(
        n,
        [
            "{urn:ietf:params:xml:ns:caldav}calendar-home-set",
            "{urn:example:unknown}thing",
            "{DAV:}displayname"
        ]
    );
    // python caldav: ns0/ns1 prefixes as lxml writes them.
    let py = b"<?xml version='1.0' encoding='utf-8'?>\n<ns0:propfind xmlns:ns0=\"DAV:\"><ns0:prop><ns0:current-user-principal/></ns0:prop></ns0:propfind>\n";
    assert_eq!(
        names(&propfind(py).unwrap()),
        ["{DAV:}current-user-principal"]
    );
    // A property in no namespace at all.
    let none = br#"<propfind xmlns="DAV:"><prop><x xmlns=""/></prop></propfind>"#;
    let Propfind::Props(p) = propfind(none).unwrap() else {
        panic!()
    };
    assert_eq!(p, [PropName::new("", "x")]);
}

#[test]
fn wrong_propfind_shapes_are_invalid() {
    for body in [
        &br#"<D:propfind xmlns:D="DAV:"/>"#[..],
        br#"<D:propertyupdate xmlns:D="DAV:"><D:prop/></D:propertyupdate>"#,
        br#"<propfind><prop><displayname/></prop></propfind>"#,
    ] {
        let e = propfind(body).unwrap_err();
        assert!(matches!(e, XmlError::Invalid(_)), "{e:?}");
        assert_eq!(e.status(), 400);
        assert_eq!(e.precondition(), None);
    }
}

#[test]
fn malformed_bodies_are_400_and_never_panic() {
    let bodies: [&[u8]; 14] = [
        b"<",
        b"<D:propfind xmlns:D=\"DAV:\">",
        b"<D:propfind xmlns:D=\"DAV:\"><D:prop></D:propfind>",
        b"<a></b>",
        b"</a>",
        b"<X:propfind><X:prop/></X:propfind>",
        b"<a/><b/>",
        b"text only",
        b"<a/>trailing",
        b"<a x='1' x='2'/>",
        b"<a>&bogus</a>",
        b"\xff\xfe<\x00a\x00/\x00>\x00",
        b"<a>\xc3\x28</a>",
        b"<a b=\"&#xD800;\"/>",
    ];
    for body in bodies {
        let e = propfind(body).unwrap_err();
        assert_eq!(
            e.status(),
            400,
            "{:?}: {e:?}",
            String::from_utf8_lossy(body)
        );
        let _ = report(body);
        let _ = proppatch(body);
        let _ = mkcalendar(body);
    }
}

#[test]
fn a_doctype_with_entities_is_refused() {
    let lol = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>
<D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&lol2;</D:displayname></D:prop></D:propfind>"#;
    assert!(matches!(propfind(lol), Err(XmlError::Refused(m)) if m.contains("DOCTYPE")));
    let external = br#"<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>"#;
    assert!(matches!(report(external), Err(XmlError::Refused(_))));
    // An entity without any DOCTYPE is refused too; the predefined ones are read.
    let undefined = br#"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>&lol;</D:displayname></D:prop></D:set></D:propertyupdate>"#;
    assert!(matches!(proppatch(undefined), Err(XmlError::Refused(_))));
}

#[test]
fn deep_nesting_and_too_many_elements_are_refused() {
    let deep = format!(
        r#"<D:propfind xmlns:D="DAV:">{}{}</D:propfind>"#,
        "<D:prop>".repeat(MAX_DEPTH),
        "</D:prop>".repeat(MAX_DEPTH)
    );
    assert!(matches!(
        propfind(deep.as_bytes()),
        Err(XmlError::Refused(_))
    ));
    // Only opened, never closed: refused before running out of anything.
    let open = "<a>".repeat(1_000_000);
    assert!(matches!(
        propfind(open.as_bytes()),
        Err(XmlError::Refused(_))
    ));
    let wide = format!(
        r#"<D:propfind xmlns:D="DAV:"><D:prop>{}</D:prop></D:propfind>"#,
        "<D:x/>".repeat(MAX_ELEMENTS)
    );
    assert!(matches!(
        propfind(wide.as_bytes()),
        Err(XmlError::Refused(_))
    ));
    let fits = format!(
        r#"<D:propfind xmlns:D="DAV:">{}<D:displayname/>{}</D:propfind>"#,
        "<D:prop>".repeat(MAX_DEPTH - 2),
        "</D:prop>".repeat(MAX_DEPTH - 2)
    );
    assert!(propfind(fits.as_bytes()).is_ok());
}

#[test]
fn proppatch_as_thunderbird_and_davx5_send_it() {
    let tb = br#"<?xml version="1.0" encoding="UTF-8"?>
<D:propertyupdate xmlns:D="DAV:" xmlns:A="http://apple.com/ns/ical/">
  <D:set>
    <D:prop>
      <D:displayname>Home &amp; garden &lt;3</D:displayname>
      <A:calendar-color>#FF2968</A:calendar-color>
    </D:prop>
  </D:set>
</D:propertyupdate>"#;
    let updates = proppatch(tb).unwrap();
    assert_eq!(
        updates,
        [
            PropUpdate::Set {
                name: PropName::dav("displayname"),
                value: "Home & garden <3".into()
            },
            PropUpdate::Set {
                name: PropName::apple("calendar-color"),
                value: "#FF2968".into()
            },
        ]
    );
    let davx5 = br#"<propertyupdate xmlns="DAV:"><set><prop><calendar-color xmlns="http://apple.com/ns/ical/">#0000FFFF</calendar-color></prop></set><remove><prop><calendar-description xmlns="urn:ietf:params:xml:ns:caldav"/><x:order xmlns:x="http://apple.com/ns/ical/"/></prop></remove></propertyupdate>"#;
    let updates = proppatch(davx5).unwrap();
    assert_eq!(updates.len(), 3);
    assert_eq!(updates[0].name(), &PropName::apple("calendar-color"));
    assert_eq!(
        updates[1],
        PropUpdate::Remove(PropName::caldav("calendar-description"))
    );
    assert_eq!(updates[2], PropUpdate::Remove(PropName::apple("order")));
    // CDATA and character references are text like any other.
    let cdata = br#"<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname><![CDATA[a <b> & c]]>&#x2713;&#233;</D:displayname></D:prop></D:set></D:propertyupdate>"#;
    let [PropUpdate::Set { value, .. }] = &proppatch(cdata).unwrap()[..] else {
        panic!()
    };
    assert_eq!(value, "a <b> & c\u{2713}\u{e9}");
    let nothing = br#"<D:propertyupdate xmlns:D="DAV:"/>"#;
    assert!(matches!(proppatch(nothing), Err(XmlError::Invalid(_))));
    assert!(matches!(proppatch(b""), Err(XmlError::Invalid(_))));
}

#[test]
fn mkcalendar_as_apple_and_davx5_send_it() {
    assert_eq!(mkcalendar(b"").unwrap(), CollectionProps::default());
    let apple = br#"<?xml version="1.0" encoding="UTF-8"?>
<B:mkcalendar xmlns:B="urn:ietf:params:xml:ns:caldav">
  <A:set xmlns:A="DAV:">
    <A:prop>
      <B:supported-calendar-component-set><B:comp name="vtodo"/></B:supported-calendar-component-set>
      <D:calendar-order xmlns:D="http://apple.com/ns/ical/">3</D:calendar-order>
      <A:displayname>Groceries</A:displayname>
      <D:calendar-color xmlns:D="http://apple.com/ns/ical/" symbolic-color="orange">#FF9500FF</D:calendar-color>
      <B:calendar-timezone><![CDATA[BEGIN:VCALENDAR
END:VCALENDAR]]></B:calendar-timezone>
    </A:prop>
  </A:set>
</B:mkcalendar>"#;
    let p = mkcalendar(apple).unwrap();
    assert_eq!(p.displayname.as_deref(), Some("Groceries"));
    assert_eq!(p.color.as_deref(), Some("#FF9500FF"));
    assert_eq!(p.components, Some(vec!["VTODO".to_owned()]));
    assert_eq!(
        p.timezone.as_deref(),
        Some("BEGIN:VCALENDAR\nEND:VCALENDAR")
    );
    assert_eq!(
        p.other,
        [(PropName::apple("calendar-order"), "3".to_owned())]
    );
    assert_eq!(p.description, None);
    // DAVx5 creates with an extended MKCOL (RFC 5689).
    let mkcol = br#"<mkcol xmlns="DAV:" xmlns:CAL="urn:ietf:params:xml:ns:caldav"><set><prop><resourcetype><collection/><CAL:calendar/></resourcetype><displayname>Work</displayname><CAL:calendar-description>Office things</CAL:calendar-description><CAL:supported-calendar-component-set><CAL:comp name="VEVENT"/><CAL:comp name="VTODO"/></CAL:supported-calendar-component-set></prop></set></mkcol>"#;
    let p = mkcalendar(mkcol).unwrap();
    assert_eq!(p.displayname.as_deref(), Some("Work"));
    assert_eq!(p.description.as_deref(), Some("Office things"));
    assert_eq!(p.components.unwrap(), ["VEVENT", "VTODO"]);
    assert!(p.other.is_empty());
    let nameless = br#"<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><C:supported-calendar-component-set><C:comp/></C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"#;
    assert!(matches!(mkcalendar(nameless), Err(XmlError::Invalid(_))));
    let wrong = br#"<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>"#;
    assert!(matches!(mkcalendar(wrong), Err(XmlError::Invalid(_))));
}

const QUERY: &str = r#"<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VTODO"><C:time-range start="20260101T000000Z"/><C:prop-filter name="STATUS"><C:text-match negate-condition="yes">CANCELLED &amp; &#x41;</C:text-match></C:prop-filter></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>"#;

fn read_all(body: &[u8]) {
    let _ = propfind(body);
    let _ = report(body);
    let _ = proppatch(body);
    let _ = mkcalendar(body);
}

proptest::proptest! {
    #[test]
    fn no_bytes_make_a_reader_panic(body in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        read_all(&body);
    }

    #[test]
    fn no_cut_or_changed_body_makes_a_reader_panic(
        cut in 0..QUERY.len(),
        at in 0..QUERY.len(),
        byte in proptest::num::u8::ANY,
    ) {
        let mut body = QUERY.as_bytes()[..cut].to_vec();
        if at < body.len() {
            body[at] = byte;
        }
        read_all(&body);
        let mut whole = QUERY.as_bytes().to_vec();
        whole[at] = byte;
        read_all(&whole);
    }
}

#[test]
fn the_fuzzed_query_is_read_whole() {
    assert!(matches!(
        report(QUERY.as_bytes()),
        Ok(Report::CalendarQuery { .. })
    ));
}
