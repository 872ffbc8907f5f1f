use super::*;

#[test]
fn a_chain_round_trips_with_odd_names() {
    let hops = vec![
        Hop {
            id: 3,
            actor: Some("room,1@x/y%z é".into()),
            node: None,
        },
        Hop {
            id: 9,
            actor: None,
            node: Some("n2".into()),
        },
    ];
    let text = format_chain(hops, "n1", |_| None);
    assert!(!text.contains(' '), "{text}");
    let back = parse_chain(&text, "n2").unwrap();
    assert_eq!(back[0].actor.as_deref(), Some("room,1@x/y%z é"));
    assert_eq!(back[0].node.as_deref(), Some("n1"));
    assert_eq!(back[1].node, None, "hops of this node are local");
    assert_eq!(back[1].id, 9);
}

#[test]
fn bad_chains_are_decode_errors() {
    for text in ["x@n1", "1", "1@", "1@n1/%G1", "1@n1/%", "1@n1/%C3"] {
        let err = parse_chain(text, "n2").unwrap_err();
        assert_eq!(err.kind(), RemoteErrorKind::Decode, "{text}");
    }
    let long = vec!["1@n1"; MAX_HOPS + 1].join(",");
    assert_eq!(
        parse_chain(&long, "n2").unwrap_err().kind(),
        RemoteErrorKind::Decode
    );
}

#[test]
fn a_cast_is_a_short_prefix_and_round_trips() {
    let args = wire::encode(&(12345u64,)).unwrap();
    let payload = request_payload("Probe", "bump", None, "", &args);
    assert_eq!(&payload[..3], &[MAGIC, VERSION, 0]);
    assert_eq!(payload.len(), 3 + 6 + 5 + args.len());
    let envelope = Envelope::parse(&payload, "n1").unwrap();
    assert_eq!((envelope.protocol, envelope.message), ("Probe", "bump"));
    assert_eq!(envelope.timeout, arbor::DEFAULT_CALL_TIMEOUT);
    assert!(envelope.callers.is_empty());
    assert_eq!(envelope.args, &args[..]);
}

#[test]
fn a_call_carries_its_timeout_and_chain() {
    let chain = "3@n1/A,9@n2";
    let timeout = Duration::from_millis(300_000);
    let payload = request_payload("Room", "join", Some(timeout), chain, &[1, 2]);
    assert_eq!(payload[2], CALL | CHAIN);
    let envelope = Envelope::parse(&payload, "n2").unwrap();
    assert_eq!((envelope.protocol, envelope.message), ("Room", "join"));
    assert_eq!(envelope.timeout, timeout);
    assert_eq!(envelope.callers.len(), 2);
    assert_eq!(envelope.callers[0].node.as_deref(), Some("n1"));
    assert_eq!(envelope.callers[1].node, None);
    assert_eq!(envelope.args, &[1, 2]);
}

#[test]
fn every_truncation_and_corruption_is_an_error_never_a_panic() {
    let payload = request_payload("Probe", "add", Some(Duration::from_secs(5)), "1@n1/A", &[]);
    // Every prefix short of the whole envelope is refused.
    for len in 0..payload.len() {
        let err = Envelope::parse(&payload[..len], "n2").unwrap_err();
        assert_eq!(err.kind(), RemoteErrorKind::Decode, "{len}: {err}");
    }
    // Any single byte changed: parsed or refused, no panic.
    for at in 0..payload.len() {
        for byte in [0x00, 0x7f, 0x80, 0xff] {
            let mut bad = payload.clone();
            bad[at] = byte;
            let _ = Envelope::parse(&bad, "n2");
        }
    }
}

#[test]
fn the_kinds_of_refusal() {
    let kind = |bytes: &[u8]| Envelope::parse(bytes, "n1").unwrap_err().kind();
    assert_eq!(kind(&[]), RemoteErrorKind::Decode);
    assert_eq!(
        kind(&[0x01, 0x02, 0x03]),
        RemoteErrorKind::Decode,
        "no magic"
    );
    assert_eq!(kind(&[MAGIC, 99, 0]), RemoteErrorKind::Version);
    assert_eq!(kind(&[MAGIC, 1]), RemoteErrorKind::Version);
    assert_eq!(
        kind(&[MAGIC, VERSION, 0x04]),
        RemoteErrorKind::Decode,
        "flags"
    );
    // An empty message name; a name that is not UTF-8; an overlong varint.
    assert_eq!(
        kind(&[MAGIC, VERSION, 0, 1, b'P', 0]),
        RemoteErrorKind::Decode
    );
    assert_eq!(
        kind(&[MAGIC, VERSION, 0, 1, 0xff, 1, b'm']),
        RemoteErrorKind::Decode
    );
    let mut overlong = vec![MAGIC, VERSION, CALL, 1, b'P', 1, b'm'];
    overlong.extend([0xff; 10]);
    assert_eq!(kind(&overlong), RemoteErrorKind::Decode);
}

#[test]
fn varints_round_trip() {
    for n in [0, 1, 127, 128, 300, u32::MAX as u64, u64::MAX - 1, u64::MAX] {
        let mut out = Vec::new();
        put_varint(&mut out, n);
        let mut reader = Reader(&out);
        assert_eq!(reader.varint("n").unwrap(), n);
        assert!(reader.0.is_empty());
    }
}

#[test]
fn the_cast_fast_path_reads_what_parse_reads_or_leaves_it_to_parse() {
    let cast = request_payload("Probe", "bump", None, "", &[1, 2, 3]);
    let fast = Envelope::cast_of(&cast, "Probe").unwrap();
    let full = Envelope::parse(&cast, "n1").unwrap();
    assert_eq!(
        (fast.protocol, fast.message, fast.timeout, fast.args),
        (full.protocol, full.message, full.timeout, full.args)
    );
    assert!(fast.callers.is_empty());
    // Another protocol, a call, a chain, another version, odd bytes: the general path.
    assert!(Envelope::cast_of(&cast, "Other").is_none());
    assert!(Envelope::cast_of(&cast, "Prob").is_none());
    let call = request_payload("Probe", "bump", Some(Duration::from_secs(1)), "", &[]);
    assert!(Envelope::cast_of(&call, "Probe").is_none());
    let chained = request_payload("Probe", "bump", None, "1@n2", &[]);
    assert!(Envelope::cast_of(&chained, "Probe").is_none());
    let mut v3 = cast.clone();
    v3[1] = 3;
    assert!(Envelope::cast_of(&v3, "Probe").is_none());
    for cut in 0..14 {
        assert!(Envelope::cast_of(&cast[..cut], "Probe").is_none(), "{cut}");
    }
    let mut bad = cast.clone();
    bad[10] = 0xFF;
    assert!(Envelope::cast_of(&bad, "Probe").is_none(), "not UTF-8");
    let empty = request_payload("Probe", "", None, "", &[]);
    assert!(Envelope::cast_of(&empty, "Probe").is_none());
}

#[test]
fn cast_payloads_match_request_payload_with_the_cached_prefixes() {
    // More (protocol, message) pairs than the cache holds, twice over, interleaved.
    let names = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff"];
    for _ in 0..3 {
        for (i, &message) in names.iter().enumerate() {
            let protocol = names[(i + 1) % names.len()];
            let args = (i as u64, message);
            let expected =
                request_payload(protocol, message, None, "", &wire::encode(&args).unwrap());
            assert_eq!(
                &cast_payload(protocol, message, &args).unwrap()[..],
                &expected[..]
            );
        }
    }
}
