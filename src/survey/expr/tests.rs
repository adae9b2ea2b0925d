use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::json;

use super::eval::round_to;
use super::*;

fn types(name: &str) -> Option<Type> {
    Some(match name {
        "n" | "m" | "kobi_uye_sayisi" | "buyuk_uye_sayisi" | "grid.r1.c1" => Type::Number,
        "ad" | "choice.code" => Type::Text,
        "tarih" => Type::Date,
        "uye_mi" | "strateji" | "likert.r1" => Type::Choice,
        "hizmetler" => Type::Choices,
        "onay" => Type::Bool,
        "hesap" => Type::Any,
        _ => return None,
    })
}

const KNOWN: [&str; 12] = [
    "n",
    "m",
    "kobi_uye_sayisi",
    "buyuk_uye_sayisi",
    "grid.r1.c1",
    "ad",
    "tarih",
    "uye_mi",
    "strateji",
    "likert.r1",
    "hizmetler",
    "onay",
];

fn check_src(src: &str) -> Result<Type, ExprError> {
    let expr = parse(src).unwrap_or_else(|e| panic!("`{src}` should parse: {e}"));
    check(&expr, &types, &KNOWN)
}

/// The error for `src`, from parsing or else from checking.
fn error(src: &str) -> ExprError {
    match parse(src) {
        Err(e) => e,
        Ok(expr) => check(&expr, &types, &KNOWN).expect_err(&format!("`{src}` should fail")),
    }
}

fn assert_error(src: &str, span: (usize, usize), message: &str, help: &str) {
    let e = error(src);
    assert_eq!((e.span.start, e.span.end), span, "span of `{src}`: {e}");
    assert!(
        e.message.contains(message),
        "`{src}`: message `{}` lacks `{message}`",
        e.message
    );
    let got = e.help.clone().unwrap_or_default();
    assert!(got.contains(help), "`{src}`: help `{got}` lacks `{help}`");
}

fn run(src: &str, answers: serde_json::Value) -> Value {
    let expr = parse(src).unwrap_or_else(|e| panic!("`{src}` should parse: {e}"));
    let answers: HashMap<String, Value> = serde_json::from_value(answers).unwrap();
    eval(&expr, &|id| {
        answers.get(id).cloned().unwrap_or(Value::Blank)
    })
}

#[test]
fn parses_to_compact_json() {
    let e = parse("sum(a, 2) >= -3 and not (q.r1 in ['x', 1])").unwrap();
    assert_eq!(
        e.to_json(),
        json!({"t": "bin", "op": "and",
            "l": {"t": "bin", "op": ">=",
                "l": {"t": "call", "f": "sum", "a": [{"t": "ref", "id": "a"}, {"t": "num", "v": 2}]},
                "r": {"t": "num", "v": -3}},
            "r": {"t": "not", "e": {"t": "bin", "op": "in",
                "l": {"t": "ref", "id": "q.r1"}, "r": {"t": "list", "v": ["x", 1]}}}})
    );
    assert_eq!(
        serde_json::to_string(&parse("0.5 - x").unwrap()).unwrap(),
        r#"{"t":"bin","op":"-","l":{"t":"num","v":0.5},"r":{"t":"ref","id":"x"}}"#
    );
}

#[test]
fn precedence_and_associativity() {
    let shape = |src: &str| serde_json::to_string(&parse(src).unwrap()).unwrap();
    assert_eq!(shape("1 + 2 * 3"), shape("1 + (2 * 3)"));
    assert_eq!(shape("1 - 2 - 3"), shape("(1 - 2) - 3"));
    assert_eq!(shape("a or b and c"), shape("a or (b and c)"));
    assert_eq!(shape("not a = 1 and b"), shape("(not (a = 1)) and b"));
    assert_eq!(shape("-a * b"), shape("(-a) * b"));
    assert_eq!(shape("a + 1 > b * 2"), shape("(a + 1) > (b * 2)"));
}

#[test]
fn json_round_trips_and_rejects_bad_trees() {
    for src in [
        "if(a > 1, 'x', '')",
        "-n / 3",
        "h has 'a' or x in [1, 2]",
        "round(2.5, 0)",
    ] {
        let e = parse(src).unwrap();
        let back: Expr = serde_json::from_value(e.to_json()).unwrap();
        assert_eq!(back, e, "{src}");
    }
    let bad = [
        json!({"t": "bin", "op": "==", "l": {"t": "num", "v": 1}, "r": {"t": "num", "v": 1}}),
        json!({"t": "call", "f": "summ", "a": []}),
        json!({"t": "call", "f": "abs", "a": []}),
        json!({"t": "nope"}),
        json!({"t": "list", "v": [true]}),
    ];
    for b in bad {
        assert!(serde_json::from_value::<Expr>(b.clone()).is_err(), "{b}");
    }
    let mut deep = json!({"t": "num", "v": 1});
    for _ in 0..70 {
        deep = json!({"t": "neg", "e": deep});
    }
    assert!(serde_json::from_value::<Expr>(deep).is_err());
}

#[test]
fn values_serialise_as_plain_json() {
    let values = [
        Value::Blank,
        Value::Number(2.0),
        Value::Number(0.25),
        Value::Text("ğ".into()),
        Value::Bool(true),
        Value::List(vec!["a".into()]),
    ];
    assert_eq!(
        serde_json::to_string(&values).unwrap(),
        r#"[null,2,0.25,"ğ",true,["a"]]"#
    );
    let back: Vec<Value> = serde_json::from_str(r#"[null, 2, "", [], [1, "b"], -0.0]"#).unwrap();
    assert_eq!(
        back,
        [
            Value::Blank,
            Value::Number(2.0),
            Value::Blank,
            Value::Blank,
            Value::List(vec!["1".into(), "b".into()]),
            Value::Number(0.0)
        ]
    );
    assert!(serde_json::from_str::<Value>(r#"{"a": 1}"#).is_err());
}

#[test]
fn parse_errors_point_at_the_token() {
    assert_error("a == 1", (2, 4), "`==`", "use `=`");
    assert_error("a = 1 && b", (6, 8), "`&&`", "use `and`");
    assert_error("a || b", (2, 4), "`||`", "use `or`");
    assert_error("!a", (0, 1), "`!`", "use `not`");
    assert_error("a <> b", (2, 4), "`<>`", "use `!=`");
    assert_error("a => 1", (2, 4), "`=>`", "`>=`");
    assert_error("(a = 1", (6, 6), "unexpected end", "expected `)`");
    assert_error("(a = 1]", (6, 7), "unexpected `]`", "expected `)`");
    assert_error("sum(a, b", (8, 8), "unexpected end", "expected `)` or `,`");
    assert_error(
        "a = 'abc",
        (4, 8),
        "unterminated text",
        "close the text with `'`",
    );
    assert_error("a = ", (4, 4), "unexpected end", "expected a value");
    assert_error("a b", (2, 3), "unexpected `b`", "expected an operator");
    assert_error("1 < a < 3", (6, 7), "cannot be chained", "and");
    assert_error("x in y", (5, 6), "unexpected `y`", "has");
    assert_error("x in [a]", (6, 7), "unexpected `a`", "numbers and 'text'");
    assert_error(
        "summ(a)",
        (0, 4),
        "unknown function `summ`",
        "did you mean `sum`?",
    );
    assert_error(
        "foo(a)",
        (0, 3),
        "unknown function",
        "the functions are blank, count",
    );
    assert_error(
        "round(1, 2, 3)",
        (0, 14),
        "`round` takes 1 or 2 arguments, not 3",
        "round(x)",
    );
    assert_error(
        "if(a, b)",
        (0, 8),
        "`if` takes 3 arguments, not 2",
        "if(condition",
    );
    assert_error("abs()", (0, 5), "`abs` takes 1 argument, not 0", "");
    assert_error("Kobi > 1", (0, 4), "lower-case", "write `kobi`");
    assert_error("şehir = 'x'", (0, 6), "ASCII", "`sehir`");
    assert_error("a AND b", (2, 5), "not a keyword", "`and`");
    assert_error("q. = 1", (0, 2), "not an id", "");
    assert_error("1. + 2", (0, 2), "cannot end with `.`", "");
    assert_error("12ab", (0, 4), "not a number or an id", "");
    assert_error("a % 2", (2, 3), "`%`", "");
    assert_error("", (0, 0), "empty expression", "");
    assert_error("  ", (2, 2), "empty expression", "");
    assert_error("a = not b", (4, 7), "unexpected `not`", "parentheses");
    assert_error("a = 1e5", (4, 7), "not a number", "");
}

#[test]
fn hostile_input_gives_errors_not_overflows() {
    let long = format!("a = '{}'", "x".repeat(5000));
    assert!(error(&long).message.contains("too long"));
    for src in [
        format!("{}1{}", "(".repeat(2000), ")".repeat(2000)),
        format!("{}1", "-".repeat(4000)),
        format!("{}a", "not ".repeat(1000)),
        vec!["1"; 200].join(" + "),
        vec!["a"; 200].join(" or "),
        format!("{}1{}", "abs(".repeat(500), ")".repeat(500)),
        format!("{}1", "[".repeat(3000)),
    ] {
        let e = error(&src);
        assert!(
            e.message.contains("too deeply") || e.message.contains("unexpected"),
            "{}",
            e.message
        );
    }
    // Near the limit is fine.
    assert!(parse(&vec!["1"; 60].join(" + ")).is_ok());
    assert!(parse(&format!("{}1{}", "(".repeat(60), ")".repeat(60))).is_ok());
}

#[test]
fn no_panics_on_token_soup() {
    let pieces = [
        "a",
        "1",
        "'t'",
        "(",
        ")",
        "[",
        "]",
        ",",
        "+",
        "-",
        "*",
        "/",
        "=",
        "!=",
        "<",
        ">=",
        "and",
        "or",
        "not",
        "in",
        "has",
        "sum(",
        "if(",
        "round(",
        "matches(",
        "hizmetler",
        "''",
        "'\\",
        "\"",
        "ç",
        ".",
        "q.r",
        "0.5",
        "true",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..20_000 {
        let mut src = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 12) as usize;
        let mut s = seed;
        for _ in 0..len {
            src.push_str(pieces[(s % pieces.len() as u64) as usize]);
            src.push(' ');
            s /= pieces.len() as u64;
            if s == 0 {
                s = seed.rotate_left(17);
            }
        }
        if let Ok(e) = parse(&src) {
            let _ = check(&e, &types, &KNOWN);
            let _ = eval(&e, &|_| Value::Number(0.0));
            let _ = eval(&e, &|_| Value::List(vec!["a".into()]));
        }
    }
}

#[test]
fn type_errors() {
    assert_error("ad + 1", (0, 6), "cannot add text and number", "numbers");
    assert_error(
        "tarih - tarih",
        (0, 13),
        "cannot subtract date and date",
        "no date arithmetic",
    );
    assert_error(
        "hizmetler * 2",
        (0, 13),
        "cannot multiply multi-select and number",
        "count(q)",
    );
    assert_error(
        "uye_mi has 'a'",
        (0, 6),
        "`has` needs a multi-select on the left, not choice",
        "q = 'code'",
    );
    assert_error("hizmetler has 1", (14, 15), "not a number", "write '1'");
    assert_error(
        "strateji = 1",
        (0, 12),
        "cannot compare choice and number",
        "write '1'",
    );
    assert_error(
        "hizmetler = 'a'",
        (0, 15),
        "cannot compare a multi-select",
        "has",
    );
    assert_error("onay < true", (0, 11), "cannot order true/false", "");
    assert_error("n = 'x'", (0, 7), "cannot compare number and text", "");
    assert_error("ad = ''", (0, 7), "never true", "blank(x)");
    assert_error(
        "kobi_uye > 1",
        (0, 8),
        "unknown name `kobi_uye`",
        "did you mean `kobi_uye_sayisi`?",
    );
    assert_error("null = n", (0, 4), "unknown name `null`", "blank(x)");
    assert_error("choice.ibbs1 = 'TR1'", (0, 12), "unknown name", "filter");
    assert_error("count > 1", (0, 5), "unknown name", "is a function");
    assert_error(
        "n and m > 1",
        (0, 1),
        "`and` needs true/false, not number",
        "x > 0",
    );
    assert_error("not ad", (4, 6), "`not` needs true/false, not text", "");
    assert_error("sum(n, ad)", (7, 9), "`sum` needs a number, not text", "");
    assert_error("avg(hizmetler)", (4, 13), "not a multi-select", "count(q)");
    assert_error("len(n)", (4, 5), "`len` needs text, not number", "");
    assert_error("round(n, 10)", (9, 11), "0 to 9", "");
    assert_error("round(n, 1.5)", (9, 12), "0 to 9", "");
    assert_error("if(onay, n, ad)", (9, 14), "differ: number and text", "");
    assert_error(
        "if(n, 1, 2)",
        (3, 4),
        "the condition of `if` needs true/false",
        "",
    );
    assert_error("n in ['a']", (5, 10), "must hold numbers", "");
    assert_error(
        "strateji in [1, 2]",
        (12, 18),
        "must hold text",
        "['1', '2']",
    );
    assert_error("onay in [1]", (0, 4), "cannot test true/false", "");
    assert_error("ad in []", (6, 8), "empty", "");
    assert_error("['a'] = ad", (0, 5), "a list can only follow `in`", "");
    assert_error("matches(ad, ad)", (12, 14), "must be written as 'text'", "");
    assert_error(
        "matches(n, 'a')",
        (8, 9),
        "`matches` needs text, not number",
        "",
    );
}

#[test]
fn patterns_outside_the_subset_are_rejected() {
    let rejected = [
        ("(?i)abc", "only plain"),
        ("a(?=b)", "only plain"),
        ("\\bword", "`\\b`"),
        ("(a)\\1", "back-references"),
        ("\\p{L}+", "Unicode"),
        ("[[:alpha:]]", "`[` inside a class"),
        ("[a-z&&[^aeiou]]", "`&&`"),
        ("[a--b]", "range"),
        ("[a-]", "range like `a-z`"),
        ("[]a]", "empty character class"),
        ("a**", "follows another repetition"),
        ("*a", "nothing to repeat"),
        ("^*", "nothing to repeat"),
        ("a{2,1}", "out of range"),
        ("a{,3}", "`{n}`"),
        ("a{1001}", "out of range"),
        ("a{", "`{n}`"),
        ("a}", "unmatched"),
        ("a]", "unmatched"),
        ("(a", "unclosed `(`"),
        ("a)", "unmatched `)`"),
        ("[a", "unclosed `[`"),
        ("\\", "ends with"),
        ("[z-a]", "backwards"),
        ("[\\D]", "inside `[…]`"),
        ("\\x41", "character itself"),
        ("((((((((((((((((((a))))))))))))))))))", "nested too deeply"),
    ];
    for (pattern, why) in rejected {
        let e = regex_subset::translate(pattern).expect_err(pattern);
        assert!(
            format!("{} {}", e.message, e.help).contains(why),
            "{pattern}: {e:?}"
        );
    }
    let err = error("matches(ad, '\\bx')");
    assert_eq!((err.span.start, err.span.end), (12, 17));
    assert!(err.message.starts_with("pattern: "));
    assert!(
        regex_subset::compile("(a{1000}){1000}").is_err(),
        "too large for Rust"
    );
}

#[test]
fn patterns_inside_the_subset_translate() {
    // Each pattern with a whole input it must accept.
    let cases = [
        ("", ""),
        ("0\\d{10}", "05321234567"),
        ("[A-ZÇĞİÖŞÜ][a-zçğıöşü]+", "Çağrı"),
        ("a.c|x?y*z+", "abc"),
        ("(?:ab)+\\.\\/[\\-\\]x]{1,}", "abab./-]x"),
        ("[^\\s\\d]{2,3}?$", "ab"),
        ("^\\w+@\\w+\\.\\w{2,}", "ali@ornek.tr"),
        ("\\t\\n\\r\\f\\v[\\t]", "\t\n\r\u{c}\u{b}\t"),
        ("a&&b~~c [&~#] - <>!=", "a&&b~~c & - <>!="),
    ];
    for (pattern, input) in cases {
        let re = regex_subset::compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e:?}"));
        assert!(re.as_str().starts_with("^(?:"), "{}", re.as_str());
        assert!(re.is_match(input), "{pattern} should accept {input:?}");
        assert!(
            !re.is_match(&format!("{input} 5")),
            "{pattern} matches whole answers only"
        );
    }
    let full = regex_subset::compile("\\d+").unwrap();
    assert!(full.is_match("123") && !full.is_match("12a") && !full.is_match("١٢٣"));
    let dot = regex_subset::compile("a.b").unwrap();
    assert!(dot.is_match("açb") && !dot.is_match("a\rb") && !dot.is_match("a\u{2028}b"));
    let space = regex_subset::compile("\\s").unwrap();
    assert!(space.is_match("\u{feff}") && space.is_match("\u{a0}") && !space.is_match("\u{85}"));
}

#[test]
fn types_of_well_formed_expressions() {
    let cases = [
        ("n + m * 2", Type::Number),
        ("n > 1 and not blank(ad)", Type::Bool),
        ("uye_mi = 'evet'", Type::Bool),
        ("strateji in ['0', '1']", Type::Bool),
        ("hizmetler has 'egitim'", Type::Bool),
        ("hizmetler in ['a', 'b']", Type::Bool),
        ("tarih >= '2024-01-01'", Type::Bool),
        ("likert.r1 = '5' or grid.r1.c1 > 3", Type::Bool),
        ("count(hizmetler)", Type::Number),
        ("count(n, ad, hizmetler)", Type::Number),
        ("round(n / m * 100, 1)", Type::Number),
        ("if(onay, n, '')", Type::Number),
        ("if(onay, ad, uye_mi)", Type::Text),
        ("if(onay, tarih, tarih)", Type::Date),
        ("matches(ad, '[a-zçğıöşü ]+')", Type::Bool),
        ("len(ad) <= 100", Type::Bool),
        ("hesap + 1", Type::Number),
        ("hesap", Type::Any),
        ("hesap has 'x' and hesap = 1", Type::Bool),
        ("choice.code != 'x'", Type::Bool),
        ("onay", Type::Bool),
        ("onay = true", Type::Bool),
        ("abs(-n)", Type::Number),
    ];
    for (src, want) in cases {
        assert_eq!(check_src(src), Ok(want), "{src}");
    }
}

#[test]
fn map_shorthand() {
    let pairs = |v: serde_json::Value| -> Vec<(String, serde_json::Value)> {
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    let same = |map: serde_json::Value, src: &str| {
        assert_eq!(
            from_map(&pairs(map.clone())).unwrap(),
            parse(src).unwrap(),
            "{map}"
        );
    };
    same(json!({"uye_mi": "evet"}), "uye_mi = 'evet'");
    same(json!({"strateji": ["0", "1"]}), "strateji in ['0', '1']");
    same(json!({"n": 3}), "n = 3");
    same(json!({"onay": true}), "onay = true");
    same(json!({"likert.r1": "5"}), "likert.r1 = '5'");
    let two = vec![
        ("uye_mi".to_string(), json!("evet")),
        ("n".to_string(), json!([1, 2])),
    ];
    assert_eq!(
        from_map(&two).unwrap(),
        parse("uye_mi = 'evet' and n in [1, 2]").unwrap()
    );
    let three = vec![
        ("a".to_string(), json!("x")),
        ("b".to_string(), json!("y")),
        ("c".to_string(), json!("z")),
    ];
    assert_eq!(
        from_map(&three).unwrap(),
        parse("a = 'x' and b = 'y' and c = 'z'").unwrap()
    );
    let e = from_map(&pairs(json!({"strateji": 1}))).unwrap();
    assert!(
        check(&e, &types, &KNOWN)
            .unwrap_err()
            .help
            .unwrap()
            .contains("write '1'")
    );
    for (bad, why) in [
        (json!({}), "empty"),
        (json!({"Uye": "x"}), "not a question id"),
        (json!({"and": "x"}), "not a question id"),
        (json!({"a": null}), "blank(a)"),
        (json!({"a": ""}), "blank(a)"),
        (json!({"a": []}), "no values"),
        (json!({"a": [["x"]]}), "not a list"),
        (json!({"a": {"b": 1}}), "not a map"),
        (json!({"a": [true]}), "not true/false"),
    ] {
        let err = from_map(&pairs(bad.clone())).unwrap_err();
        assert!(err.to_string().contains(why), "{bad}: {err}");
    }
}

#[test]
fn refs_in_order_without_repeats() {
    let e = parse("b + a > sum(b, grid.r1.c2) or choice.code in ['x'] and blank(a)").unwrap();
    assert_eq!(refs(&e), ["b", "a", "grid.r1.c2", "choice.code"]);
    assert_eq!(base_id("grid.r1.c2"), "grid");
    assert_eq!(base_id("q"), "q");
    assert!(
        is_valid_id("q.r1.2024")
            && !is_valid_id("q..r")
            && !is_valid_id("in")
            && !is_valid_id("1a")
    );
}

#[test]
fn rounding_is_half_away_from_zero_on_decimal_digits() {
    let cases = [
        (2.5, 0, 3.0),
        (-2.5, 0, -3.0),
        (0.5, 0, 1.0),
        (1.5, 0, 2.0),
        (1.005, 2, 1.01),
        (-1.005, 2, -1.01),
        (2.675, 2, 2.68),
        (1.45, 1, 1.5),
        (0.004, 2, 0.0),
        (0.005, 2, 0.01),
        (9.995, 2, 10.0),
        (99.5, 0, 100.0),
        (123.456, 9, 123.456),
        (1e21, 2, 1e21),
        (1.5e-7, 6, 0.0),
        (5e-7, 6, 1e-6),
        (0.1 + 0.2, 9, 0.3),
        (0.0, 3, 0.0),
    ];
    for (x, d, want) in cases {
        assert_eq!(round_to(x, d), want, "round({x}, {d})");
    }
}

#[test]
fn blank_rules() {
    let none = json!({});
    assert_eq!(run("n + 1", none.clone()), Value::Blank);
    assert_eq!(run("n = 1", none.clone()), Value::Bool(false));
    assert_eq!(run("n != 1", none.clone()), Value::Bool(false));
    assert_eq!(run("not (n = 1)", none.clone()), Value::Bool(true));
    assert_eq!(run("sum(n, m)", none.clone()), Value::Number(0.0));
    assert_eq!(run("max(n, m)", none.clone()), Value::Blank);
    assert_eq!(run("count(h)", json!({"h": []})), Value::Number(0.0));
    assert_eq!(run("blank(a)", json!({"a": ""})), Value::Bool(true));
    assert_eq!(run("if(n, 1, 2)", none.clone()), Value::Number(2.0));
    assert_eq!(run("1 / 0", none), Value::Blank);
    assert!(is_truthy(&Value::Bool(true)));
    assert!(
        !is_truthy(&Value::Number(1.0))
            && !is_truthy(&Value::Text("true".into()))
            && !is_truthy(&Value::Blank)
    );
}

#[derive(serde::Deserialize, serde::Serialize)]
struct Vector {
    expr: String,
    #[serde(default)]
    answers: serde_json::Map<String, serde_json::Value>,
    expect: serde_json::Value,
    #[serde(default)]
    ast: serde_json::Value,
}

fn vectors_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/expr-vectors.json")
}

/// One vector per line: diffs stay readable when a case changes.
fn write_vectors(vectors: &[Vector]) -> String {
    let lines: Vec<String> = vectors
        .iter()
        .map(|v| {
            format!(
                "  {{\"expr\": {}, \"answers\": {}, \"expect\": {}, \"ast\": {}}}",
                serde_json::to_string(&v.expr).unwrap(),
                serde_json::to_string(&v.answers).unwrap(),
                serde_json::to_string(&v.expect).unwrap(),
                serde_json::to_string(&parse(&v.expr).unwrap()).unwrap(),
            )
        })
        .collect();
    format!("[\n{}\n]\n", lines.join(",\n"))
}

/// The shared vectors: the Rust parser gives each `ast`, and the Rust evaluator `expect`
/// (`node tests/tools/expr-vectors.mjs` checks the JS evaluator against the same file).
/// `KUME_BLESS_VECTORS=1 cargo test --lib expression_vectors` rewrites the `ast` fields.
#[test]
fn expression_vectors() {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path).unwrap();
    let vectors: Vec<Vector> = serde_json::from_str(&text).unwrap();
    assert!(vectors.len() >= 170, "only {} vectors", vectors.len());
    let mut failures = Vec::new();
    for v in &vectors {
        let expr = match parse(&v.expr) {
            Ok(e) => e,
            Err(e) => {
                failures.push(format!("{}: does not parse: {e}", v.expr));
                continue;
            }
        };
        if v.ast != expr.to_json() && std::env::var_os("KUME_BLESS_VECTORS").is_none() {
            failures.push(format!(
                "{}: ast differs; run with KUME_BLESS_VECTORS=1",
                v.expr
            ));
        }
        let answers: HashMap<String, Value> = v
            .answers
            .iter()
            .map(|(k, a)| (k.clone(), serde_json::from_value(a.clone()).unwrap()))
            .collect();
        let got = eval(&expr, &|id| {
            answers.get(id).cloned().unwrap_or(Value::Blank)
        });
        let want: Value = serde_json::from_value(v.expect.clone()).unwrap();
        if got != want {
            failures.push(format!("{}: expected {want:?}, got {got:?}", v.expr));
        }
    }
    finish_vectors(&path, || write_vectors(&vectors), &failures);
}

/// Ends a run of shared test vectors: with `KUME_BLESS_VECTORS` set and nothing failing,
/// writes the file again (`blessed`); fails listing every failure.
pub(crate) fn finish_vectors(
    path: &std::path::Path,
    blessed: impl FnOnce() -> String,
    failures: &[String],
) {
    if std::env::var_os("KUME_BLESS_VECTORS").is_some() && failures.is_empty() {
        std::fs::write(path, blessed()).unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
