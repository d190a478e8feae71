//! A workspace's customer-coding rule (a regex such as `^[0-9]+$`) told in
//! words, for hints and errors: "只能包含数字" / "digits only",
//! "KD- 后接 4 位数字" / "KD- followed by exactly 4 digits". Patterns beyond
//! this small grammar (literals, one-level character classes, `\d`, `\w`,
//! `+ * ? {n} {m,n}`) fall back to "须符合格式 …" with the pattern itself.

/// What a character class admits, as kinds a reader knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Kinds {
    digits: bool,
    upper: bool,
    lower: bool,
    /// Other single characters, e.g. `-` or `_`.
    others: Vec<char>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Count {
    One,
    Optional,
    AnyMany,
    OneOrMore,
    Exactly(u32),
    Between(u32, u32),
    AtLeast(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Class(Kinds, Count),
}

fn parse_class(chars: &[char], at: &mut usize) -> Option<Kinds> {
    let mut kinds = Kinds::default();
    if chars.get(*at) == Some(&'^') {
        return None;
    }
    loop {
        let c = *chars.get(*at)?;
        *at += 1;
        match c {
            ']' => return Some(kinds),
            '\\' => {
                let e = *chars.get(*at)?;
                *at += 1;
                match e {
                    'd' => kinds.digits = true,
                    'w' => {
                        kinds.digits = true;
                        kinds.upper = true;
                        kinds.lower = true;
                        kinds.others.push('_');
                    }
                    '-' | '_' | '.' | '/' => kinds.others.push(e),
                    _ => return None,
                }
            }
            _ if chars.get(*at) == Some(&'-') && chars.get(*at + 1).is_some_and(|n| *n != ']') => {
                let end = *chars.get(*at + 1)?;
                *at += 2;
                match (c, end) {
                    ('0', '9') => kinds.digits = true,
                    ('A', 'Z') => kinds.upper = true,
                    ('a', 'z') => kinds.lower = true,
                    _ => return None,
                }
            }
            _ if c.is_ascii_punctuation() || c.is_ascii_alphanumeric() => kinds.others.push(c),
            _ => return None,
        }
    }
}

fn parse_count(chars: &[char], at: &mut usize) -> Option<Count> {
    let count = match chars.get(*at) {
        Some('+') => Count::OneOrMore,
        Some('*') => Count::AnyMany,
        Some('?') => Count::Optional,
        Some('{') => {
            let close = chars[*at..].iter().position(|c| *c == '}')? + *at;
            let inner: String = chars[*at + 1..close].iter().collect();
            *at = close + 1;
            return Some(match inner.split_once(',') {
                None => Count::Exactly(inner.trim().parse().ok()?),
                Some((m, n)) if n.trim().is_empty() => Count::AtLeast(m.trim().parse().ok()?),
                Some((m, n)) => Count::Between(m.trim().parse().ok()?, n.trim().parse().ok()?),
            });
        }
        _ => return Some(Count::One),
    };
    *at += 1;
    Some(count)
}

fn parse(pattern: &str) -> Option<Vec<Part>> {
    let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
    let chars: Vec<char> = body.chars().collect();
    let mut parts: Vec<Part> = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        at += 1;
        let kinds = match c {
            '[' => parse_class(&chars, &mut at)?,
            '\\' => {
                let e = *chars.get(at)?;
                at += 1;
                match e {
                    'd' => Kinds {
                        digits: true,
                        ..Default::default()
                    },
                    '-' | '.' | '_' | '/' => {
                        push_literal(&mut parts, e);
                        continue;
                    }
                    _ => return None,
                }
            }
            '(' | ')' | '|' | '.' | '+' | '*' | '?' | '{' | '}' | '^' | '$' => return None,
            _ => {
                // A literal with a quantifier is beyond the grammar.
                if matches!(chars.get(at), Some('+' | '*' | '?' | '{')) {
                    return None;
                }
                push_literal(&mut parts, c);
                continue;
            }
        };
        let count = parse_count(&chars, &mut at)?;
        parts.push(Part::Class(kinds, count));
    }
    (!parts.is_empty()).then_some(parts)
}

fn push_literal(parts: &mut Vec<Part>, c: char) {
    if let Some(Part::Literal(s)) = parts.last_mut() {
        s.push(c);
    } else {
        parts.push(Part::Literal(c.to_string()));
    }
}

fn kinds_zh(k: &Kinds) -> String {
    let mut names: Vec<String> = Vec::new();
    match (k.upper, k.lower) {
        (true, true) => names.push("字母".into()),
        (true, false) => names.push("大写字母".into()),
        (false, true) => names.push("小写字母".into()),
        _ => {}
    }
    if k.digits {
        names.push("数字".into());
    }
    let others: String = k
        .others
        .iter()
        .map(|c| format!("“{c}”"))
        .collect::<Vec<_>>()
        .join("");
    let mut text = names.join("和");
    if !others.is_empty() {
        text = if text.is_empty() {
            others
        } else {
            format!("{text}及{others}")
        };
    }
    text
}

fn kinds_en(k: &Kinds) -> String {
    let mut names: Vec<String> = Vec::new();
    match (k.upper, k.lower) {
        (true, true) => names.push("letters".into()),
        (true, false) => names.push("capital letters".into()),
        (false, true) => names.push("lowercase letters".into()),
        _ => {}
    }
    if k.digits {
        names.push("digits".into());
    }
    names.extend(k.others.iter().map(|c| format!("\"{c}\"")));
    match names.len() {
        0 => String::new(),
        1 => names.remove(0),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

fn class_zh(k: &Kinds, count: &Count, alone: bool) -> String {
    let what = kinds_zh(k);
    match count {
        Count::OneOrMore if alone => format!("只能包含{what}"),
        Count::OneOrMore => format!("一个或多个{what}"),
        Count::AnyMany => format!("任意个{what}"),
        Count::One => format!("1 位{what}"),
        Count::Optional => format!("可选的 1 位{what}"),
        Count::Exactly(n) => format!("{n} 位{what}"),
        Count::Between(m, n) => format!("{m} 到 {n} 位{what}"),
        Count::AtLeast(m) => format!("至少 {m} 位{what}"),
    }
}

fn class_en(k: &Kinds, count: &Count, alone: bool) -> String {
    let what = kinds_en(k);
    match count {
        Count::OneOrMore if alone => format!("{what} only"),
        Count::OneOrMore => format!("one or more {what}"),
        Count::AnyMany => format!("any number of {what}"),
        Count::One => format!("one of {what}"),
        Count::Optional => format!("optionally one of {what}"),
        Count::Exactly(n) => format!("exactly {n} {what}"),
        Count::Between(m, n) => format!("{m} to {n} {what}"),
        Count::AtLeast(m) => format!("at least {m} {what}"),
    }
}

/// `，后接` + `4 位数字`, with a space before a number.
fn then_zh(joint: &str, text: &str) -> String {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{joint} {text}")
    } else {
        format!("{joint}{text}")
    }
}

/// The rule in Chinese words, e.g. `^[0-9]+$` → "只能包含数字".
pub fn describe_zh(pattern: &str) -> String {
    let Some(parts) = parse(pattern.trim()) else {
        return format!("须符合格式 {}", pattern.trim());
    };
    let alone = parts.len() == 1;
    let mut out = String::new();
    for (n, part) in parts.iter().enumerate() {
        match part {
            Part::Literal(s) if n == 0 => out.push_str(&format!("以“{s}”开头")),
            Part::Literal(s) => out.push_str(&format!("，接“{s}”")),
            Part::Class(k, c) if n == 0 => out.push_str(&class_zh(k, c, alone)),
            Part::Class(k, c) if out.starts_with('以') && n == 1 => {
                out.push_str(&then_zh("，后接", &class_zh(k, c, false)))
            }
            Part::Class(k, c) => out.push_str(&then_zh("，再接", &class_zh(k, c, false))),
        }
    }
    out
}

/// The rule in English words, e.g. `^[0-9]+$` → "digits only".
pub fn describe_en(pattern: &str) -> String {
    let Some(parts) = parse(pattern.trim()) else {
        return format!("Must match the pattern {}", pattern.trim());
    };
    let alone = parts.len() == 1;
    let words: Vec<String> = parts
        .iter()
        .map(|part| match part {
            Part::Literal(s) => format!("\"{s}\""),
            Part::Class(k, c) => class_en(k, c, alone),
        })
        .collect();
    let mut text = words.join(", then ");
    if let Some(Part::Literal(_)) = parts.first() {
        if parts.len() > 1 {
            text = format!("{} followed by {}", words[0], words[1..].join(", then "));
        }
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_coding_rules_read_as_words() {
        assert_eq!(describe_zh("^[0-9]+$"), "只能包含数字");
        assert_eq!(describe_en("^[0-9]+$"), "Digits only");
        assert_eq!(describe_zh("^\\d+$"), "只能包含数字");
        assert_eq!(describe_zh("^[0-9]{6}$"), "6 位数字");
        assert_eq!(describe_en("^[0-9]{6}$"), "Exactly 6 digits");
        assert_eq!(describe_zh("^KD-[0-9]{4}$"), "以“KD-”开头，后接 4 位数字");
        assert_eq!(
            describe_en("^KD-[0-9]{4}$"),
            "\"KD-\" followed by exactly 4 digits"
        );
        assert_eq!(describe_zh("^[A-Z0-9]{2,8}$"), "2 到 8 位大写字母和数字");
        assert_eq!(
            describe_en("^[A-Z0-9]{2,8}$"),
            "2 to 8 capital letters and digits"
        );
    }

    #[test]
    fn anything_else_shows_the_pattern() {
        assert_eq!(describe_zh("^(a|b)$"), "须符合格式 ^(a|b)$");
        assert_eq!(describe_en("[0-9]+"), "Must match the pattern [0-9]+");
        assert!(!describe_zh("^[0-9]+$").contains('^'));
    }
}
