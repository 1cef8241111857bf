//! The bodies written, read back with quick-xml (through this module's own reader, which
//! resolves namespaces) to check they are well-formed, escaped and say what was meant.

use super::tree::{Element, parse};
use super::*;

fn read_back(body: &str) -> Element {
    assert!(body.starts_with(r#"<?xml version="1.0" encoding="utf-8"?>"#));
    parse(body.as_bytes())
        .unwrap_or_else(|e| panic!("not well-formed: {e}\n{body}"))
        .unwrap()
}

fn children<'a>(e: &'a Element, ns: &str, name: &str) -> Vec<&'a Element> {
    e.children.iter().filter(|c| c.is(ns, name)).collect()
}

#[test]
fn a_propfind_answer_with_found_and_missing_properties() {
    let mut ms = Multistatus::new();
    ms.response("/dav/calendars/ann/inbox/")
        .prop(
            &PropName::dav("resourcetype"),
            Value::Xml(Trusted::calendar_collection()),
        )
        .prop(
            &PropName::dav("displayname"),
            Value::Text("Tom & Jerry's <list> \"q\"".into()),
        )
        .missing(&PropName::new("urn:example:unknown", "thing"))
        .prop(
            &PropName::caldav("supported-calendar-component-set"),
            Value::Xml(Trusted::components(&["VTODO"])),
        )
        .missing(&PropName::calserver("getctag"))
        .prop(
            &PropName::apple("calendar-color"),
            Value::Text("#FF2968".into()),
        );
    ms.response("/dav/principals/ann/").prop(
        &PropName::caldav("calendar-home-set"),
        Value::Hrefs(vec!["/dav/calendars/ann/".into(), "/a&b/<c>/".into()]),
    );
    let body = ms.finish();
    let root = read_back(&body);
    assert!(root.is(DAV, "multistatus"));
    let responses = children(&root, DAV, "response");
    assert_eq!(responses.len(), 2);
    let first = responses[0];
    assert_eq!(
        first.child(DAV, "href").unwrap().value(),
        "/dav/calendars/ann/inbox/"
    );
    let propstats = children(first, DAV, "propstat");
    assert_eq!(propstats.len(), 2);
    assert_eq!(
        propstats[0].child(DAV, "status").unwrap().value(),
        "HTTP/1.1 200 OK"
    );
    let found = propstats[0].child(DAV, "prop").unwrap();
    let names: Vec<String> = found
        .children
        .iter()
        .map(|c| c.prop_name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "{DAV:}resourcetype",
            "{DAV:}displayname",
            "{urn:ietf:params:xml:ns:caldav}supported-calendar-component-set",
            "{http://apple.com/ns/ical/}calendar-color"
        ]
    );
    let rt = found.child(DAV, "resourcetype").unwrap();
    assert!(rt.child(DAV, "collection").is_some() && rt.child(CALDAV, "calendar").is_some());
    assert_eq!(
        found.child(DAV, "displayname").unwrap().text,
        "Tom & Jerry's <list> \"q\""
    );
    let comp = found.children[2].child(CALDAV, "comp").unwrap();
    assert_eq!(comp.attr("name"), Some("VTODO"));
    assert_eq!(
        propstats[1].child(DAV, "status").unwrap().value(),
        "HTTP/1.1 404 Not Found"
    );
    let missing = propstats[1].child(DAV, "prop").unwrap();
    assert!(missing.child("urn:example:unknown", "thing").is_some());
    assert!(missing.child(CALSERVER, "getctag").is_some());
    let home = children(responses[1], DAV, "propstat")[0]
        .child(DAV, "prop")
        .unwrap()
        .child(CALDAV, "calendar-home-set")
        .unwrap();
    let hrefs: Vec<&str> = children(home, DAV, "href")
        .iter()
        .map(|h| h.value())
        .collect();
    assert_eq!(hrefs, ["/dav/calendars/ann/", "/a&b/<c>/"]);
    // One set of namespace declarations, on the root.
    assert_eq!(body.matches("xmlns:d=").count(), 1);
    assert!(body.contains(r#"<u:thing xmlns:u="urn:example:unknown"/>"#));
}

#[test]
fn a_sync_collection_answer_with_removals_and_a_token() {
    let mut ms = Multistatus::new();
    ms.response("/dav/calendars/ann/inbox/a.ics")
        .prop(&PropName::dav("getetag"), Value::Text("\"abc\"".into()))
        .prop(
            &PropName::caldav("calendar-data"),
            Value::Text("BEGIN:VCALENDAR\r\nSUMMARY:a < b & c\r\nEND:VCALENDAR\r\n".into()),
        );
    ms.status("/dav/calendars/ann/inbox/gone\"&<.ics", 404)
        .sync_token("https://x/sync/?a=1&b=2");
    let root = read_back(&ms.finish());
    let responses = children(&root, DAV, "response");
    assert_eq!(responses.len(), 2);
    let prop = responses[0]
        .child(DAV, "propstat")
        .unwrap()
        .child(DAV, "prop")
        .unwrap();
    assert_eq!(prop.child(DAV, "getetag").unwrap().value(), "\"abc\"");
    // CRLF survives the reader's line-end normalisation.
    assert_eq!(
        prop.child(CALDAV, "calendar-data").unwrap().text,
        "BEGIN:VCALENDAR\r\nSUMMARY:a < b & c\r\nEND:VCALENDAR\r\n"
    );
    let gone = responses[1];
    assert_eq!(
        gone.child(DAV, "href").unwrap().value(),
        "/dav/calendars/ann/inbox/gone\"&<.ics"
    );
    assert_eq!(
        gone.child(DAV, "status").unwrap().value(),
        "HTTP/1.1 404 Not Found"
    );
    assert!(gone.child(DAV, "propstat").is_none());
    assert_eq!(
        root.child(DAV, "sync-token").unwrap().value(),
        "https://x/sync/?a=1&b=2"
    );
    // An empty answer is still a well-formed multistatus.
    let empty = read_back(&Multistatus::new().finish());
    assert!(empty.is(DAV, "multistatus") && empty.children.is_empty());
}

#[test]
fn privileges_reports_and_proppatch_statuses() {
    let mut ms = Multistatus::new();
    ms.response("/dav/calendars/ann/shared/")
        .prop(
            &PropName::dav("current-user-privilege-set"),
            Value::Xml(Trusted::privileges(&[
                Privilege::Read,
                Privilege::ReadCurrentUserPrivilegeSet,
            ])),
        )
        .prop(
            &PropName::dav("supported-report-set"),
            Value::Xml(Trusted::supported_reports()),
        )
        .prop(
            &PropName::caldav("supported-calendar-data"),
            Value::Xml(Trusted::calendar_data_types()),
        )
        .prop(
            &PropName::dav("current-user-principal"),
            Value::Href("/dav/principals/ann/".into()),
        )
        .prop(&PropName::dav("getcontentlength"), Value::Empty)
        .prop_status(&PropName::dav("getetag"), 403)
        .prop_status(&PropName::apple("calendar-order"), 424)
        .prop_status(&PropName::dav("resourcetype"), 403);
    ms.response("/empty/");
    let root = read_back(&ms.finish());
    let responses = children(&root, DAV, "response");
    let propstats = children(responses[0], DAV, "propstat");
    let statuses: Vec<&str> = propstats
        .iter()
        .map(|p| p.child(DAV, "status").unwrap().value())
        .collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 403 Forbidden",
            "HTTP/1.1 424 Failed Dependency"
        ]
    );
    assert_eq!(propstats[1].child(DAV, "prop").unwrap().children.len(), 2);
    let found = propstats[0].child(DAV, "prop").unwrap();
    let privileges: Vec<String> = found
        .child(DAV, "current-user-privilege-set")
        .unwrap()
        .children
        .iter()
        .map(|p| p.children[0].prop_name().to_string())
        .collect();
    assert_eq!(
        privileges,
        ["{DAV:}read", "{DAV:}read-current-user-privilege-set"]
    );
    let reports: Vec<String> = found
        .child(DAV, "supported-report-set")
        .unwrap()
        .children
        .iter()
        .map(|s| {
            s.child(DAV, "report").unwrap().children[0]
                .prop_name()
                .to_string()
        })
        .collect();
    assert_eq!(
        reports,
        [
            "{urn:ietf:params:xml:ns:caldav}calendar-query",
            "{urn:ietf:params:xml:ns:caldav}calendar-multiget",
            "{DAV:}sync-collection"
        ]
    );
    let data = found
        .child(CALDAV, "supported-calendar-data")
        .unwrap()
        .child(CALDAV, "calendar-data")
        .unwrap();
    assert_eq!(data.attr("content-type"), Some("text/calendar"));
    // A response with nothing in it still has a propstat, as RFC 4918 wants.
    let empty = children(responses[1], DAV, "propstat");
    assert_eq!(empty.len(), 1);
}

#[test]
fn properties_of_other_namespaces_and_odd_text() {
    let mut ms = Multistatus::new();
    ms.response("/x/")
        .prop(
            &PropName::new("urn:a\"<&>", "one"),
            Value::Href("/h".into()),
        )
        .prop(&PropName::new("", "bare"), Value::Text("t".into()))
        .prop(
            &PropName::new("urn:b", "not a name"),
            Value::Text("dropped".into()),
        )
        .prop(
            &PropName::dav("displayname"),
            Value::Text("nul\u{0}bell\u{7}tab\t\u{fffe}é✓".into()),
        );
    let body = ms.finish();
    let root = read_back(&body);
    let prop = root.children[0].children[1].child(DAV, "prop").unwrap();
    let one = prop.child("urn:a\"<&>", "one").unwrap();
    assert_eq!(one.child(DAV, "href").unwrap().value(), "/h");
    assert_eq!(prop.child("", "bare").unwrap().value(), "t");
    assert!(!body.contains("dropped"));
    assert_eq!(
        prop.child(DAV, "displayname").unwrap().text,
        "nul\u{fffd}bell\u{fffd}tab\t\u{fffd}é✓"
    );
    let trusted = Trusted::components(&["V\"TODO<&"]);
    assert_eq!(trusted.as_str(), r#"<c:comp name="V&quot;TODO&lt;&amp;"/>"#);
}

#[test]
fn precondition_bodies() {
    let body = error(
        &PropName::caldav("valid-calendar-data"),
        Some("line 3: \"DTSTART\" <bad> & worse"),
    );
    let root = read_back(&body);
    assert!(root.is(DAV, "error"));
    assert!(root.children[0].is(CALDAV, "valid-calendar-data"));
    assert_eq!(
        root.child(DAV, "responsedescription").unwrap().text,
        "line 3: \"DTSTART\" <bad> & worse"
    );
    let root = read_back(&error(&PropName::dav("valid-sync-token"), None));
    assert_eq!(root.children.len(), 1);
    assert!(root.children[0].is(DAV, "valid-sync-token"));
    let root = read_back(&error_href(
        &PropName::caldav("no-uid-conflict"),
        "/dav/calendars/ann/inbox/a&b.ics",
        None,
    ));
    let conflict = root.child(CALDAV, "no-uid-conflict").unwrap();
    assert_eq!(
        conflict.child(DAV, "href").unwrap().value(),
        "/dav/calendars/ann/inbox/a&b.ics"
    );
    let unknown = error(&PropName::new("urn:x", "custom"), Some("m"));
    assert!(read_back(&unknown).child("urn:x", "custom").is_some());
}

#[test]
fn xml_error_messages_and_statuses() {
    let e = propfind(b"<a").unwrap_err();
    assert!(e.to_string().starts_with("the body is not well-formed XML"));
    assert_eq!(
        XmlError::UnsupportedFilter("x".into()).precondition(),
        Some(PropName::caldav("supported-filter"))
    );
    assert_eq!(PropName::dav("x").to_string(), "{DAV:}x");
}

/// The escaping, which copies runs of plain bytes, against the rule written out one
/// character at a time.
#[test]
fn escaping_copies_plain_runs_and_replaces_what_xml_cannot_hold() {
    use super::write::escape;
    fn by_char(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                '<' => "&lt;".to_owned(),
                '>' => "&gt;".to_owned(),
                '&' => "&amp;".to_owned(),
                '"' => "&quot;".to_owned(),
                '\'' => "&apos;".to_owned(),
                '\r' => "&#13;".to_owned(),
                '\t' | '\n' => c.to_string(),
                c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => "\u{fffd}".to_owned(),
                c => c.to_string(),
            })
            .collect()
    }
    let pieces = [
        "",
        "plain",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "\r\n",
        "\t",
        "\u{0}",
        "\u{1f}",
        "\u{7f}",
        "é",
        "✓",
        "\u{fffd}",
        "\u{fffe}",
        "\u{ffff}",
        "\u{ffbe}",
        "\u{efbf}",
        "😀",
        "BEGIN:VTODO",
    ];
    for a in pieces {
        for b in pieces {
            for c in pieces {
                let text = format!("{a}{b}{c}");
                assert_eq!(escape(&text), by_char(&text), "{text:?}");
            }
        }
    }
}
