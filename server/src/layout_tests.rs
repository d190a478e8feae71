//! The layout rules that keep the code findable, checked on the sources:
//! the areas of `src/domain` import each other without a cycle, and no
//! module re-exports another wholesale (`pub use x::*`), so every name has
//! one path a reader can follow.
//!
//! An area is a folder (or file) directly under `src/domain`. One area is
//! layered: `approvals` records requests below the subjects that ask for
//! them (tickets, contracts, health overrides), while `approvals::decide`
//! sits above them and applies each decision to its subject; that file
//! counts as an area of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Files that count as an area of their own, above the rest of their folder.
const LAYERS: &[&str] = &["approvals/decide.rs"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/domain`, as its components:
/// `tickets/sla.rs` → `[tickets, sla]`, `kb/mod.rs` → `[kb]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The node a module path belongs to: its area, or a layer of it.
fn node_of(path: &[String]) -> Option<String> {
    let area = path.first()?;
    for layer in LAYERS {
        let layer_path = module_path(Path::new(layer));
        if path.starts_with(&layer_path) {
            return Some(layer_path.join("::"));
        }
    }
    Some(area.clone())
}

/// The code before the file's tests (which sit last), without comments.
fn code_of(source: &str) -> String {
    let code = match source.find("#[cfg(test)]") {
        Some(at) => &source[..at],
        None => source,
    };
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths (up to two components, enough to tell a layer) that start at
/// `at`, just after a `…::`: `x::y`, or each item of a `{a, b::c}` group.
fn paths_at(code: &str, at: usize) -> Vec<Vec<String>> {
    let rest = &code[at..];
    let items: Vec<&str> = match rest.strip_prefix('{') {
        Some(group) => group[..group.find('}').unwrap_or(group.len())]
            .split(',')
            .collect(),
        None => vec![rest],
    };
    items
        .into_iter()
        .filter_map(|item| {
            let mut path = Vec::new();
            let mut text = item.trim();
            for _ in 0..2 {
                let name: String = text.chars().take_while(|c| is_ident(*c)).collect();
                if name.is_empty() {
                    break;
                }
                text = &text[name.len()..];
                path.push(name);
                match text.strip_prefix("::") {
                    Some(tail) => text = tail,
                    None => break,
                }
            }
            (!path.is_empty()).then_some(path)
        })
        .collect()
}

/// The module paths under `domain` a file's code refers to: absolute
/// (`crate::domain::x::y`) and relative (`super::x`).
fn references(code: &str, own: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let absolute = "crate::domain::";
    let mut from = 0;
    while let Some(at) = code[from..].find(absolute) {
        let start = from + at + absolute.len();
        found.extend(paths_at(code, start).into_iter().map(|p| p.to_vec()));
        from = start;
    }
    // `super::` climbs from the file's module: a `mod.rs` is its folder's
    // module, any other file a child of its folder's module.
    let mut from = 0;
    while let Some(at) = code[from..].find("super::") {
        let begin = from + at;
        if begin > 0
            && (is_ident(code[..begin].chars().last().unwrap_or(' '))
                || code[..begin].ends_with("::"))
        {
            from = begin + 7;
            continue;
        }
        let mut levels = 0;
        let mut cursor = begin;
        while code[cursor..].starts_with("super::") {
            levels += 1;
            cursor += 7;
        }
        let mut path = own.to_vec();
        for _ in 0..levels {
            path.pop();
        }
        for tail in paths_at(code, cursor) {
            let mut target = path.clone();
            target.extend(tail);
            found.push(target);
        }
        from = cursor;
    }
    found
}

/// Every edge between nodes of `src/domain`: (from, to) → one file that
/// makes it.
fn domain_edges() -> BTreeMap<(String, String), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut nodes = BTreeSet::new();
    let mut parsed = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).expect("under src/domain");
        let own = module_path(relative);
        if own.is_empty() {
            continue; // domain/mod.rs only declares the areas
        }
        let Some(node) = node_of(&own) else { continue };
        nodes.insert(node.clone());
        let source = std::fs::read_to_string(file).expect("a readable source file");
        parsed.push((relative.display().to_string(), own, node, code_of(&source)));
    }
    let mut edges = BTreeMap::new();
    for (name, own, node, code) in parsed {
        for target in references(&code, &own) {
            let Some(to) = node_of(&target) else { continue };
            if to != node && nodes.contains(&to) {
                edges
                    .entry((node.clone(), to))
                    .or_insert_with(|| name.clone());
            }
        }
    }
    edges
}

/// A cycle in the graph, as the nodes along it, if there is one.
fn find_cycle(edges: &BTreeMap<(String, String), String>) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    // 0 unseen, 1 on the current path, 2 done.
    fn visit<'a>(
        node: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(node, 1);
        path.push(node);
        for &to in next.get(node).map(Vec::as_slice).unwrap_or(&[]) {
            match state.get(to).copied().unwrap_or(0) {
                1 => {
                    let start = path.iter().position(|n| *n == to).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        path[start..].iter().map(|s| s.to_string()).collect();
                    cycle.push(to.to_string());
                    return Some(cycle);
                }
                0 => {
                    if let Some(cycle) = visit(to, next, state, path) {
                        return Some(cycle);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(node, 2);
        None
    }
    let mut state = BTreeMap::new();
    let starts: Vec<&str> = next.keys().copied().collect();
    for node in starts {
        if state.get(node).copied().unwrap_or(0) == 0 {
            let mut path = Vec::new();
            if let Some(cycle) = visit(node, &next, &mut state, &mut path) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn domain_areas_import_each_other_without_a_cycle() {
    let edges = domain_edges();
    assert!(
        edges.len() > 10,
        "the check should see the areas' imports, saw {edges:?}"
    );
    if let Some(cycle) = find_cycle(&edges) {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|pair| {
                let file = &edges[&(pair[0].clone(), pair[1].clone())];
                format!("{} → {} (in {file})", pair[0], pair[1])
            })
            .collect();
        panic!(
            "the domain areas import each other in a cycle:\n{}",
            steps.join("\n")
        );
    }
}

#[test]
fn the_cycle_check_sees_a_cycle_and_relative_paths() {
    let own = vec!["tickets".to_string(), "sla".to_string()];
    let found = references(
        "use super::super::renewals::contracts;\nuse crate::domain::{common, kb::search};",
        &own,
    );
    assert!(found.contains(&vec!["renewals".to_string(), "contracts".to_string()]));
    assert!(found.contains(&vec!["common".to_string()]));
    assert!(found.contains(&vec!["kb".to_string(), "search".to_string()]));
    let mut edges = BTreeMap::new();
    edges.insert(("a".to_string(), "b".to_string()), "a.rs".to_string());
    edges.insert(("b".to_string(), "c".to_string()), "b.rs".to_string());
    assert_eq!(find_cycle(&edges), None);
    edges.insert(("c".to_string(), "a".to_string()), "c.rs".to_string());
    assert_eq!(
        find_cycle(&edges),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(
        node_of(&[
            "approvals".to_string(),
            "decide".to_string(),
            "x".to_string()
        ]),
        Some("approvals::decide".to_string())
    );
}

#[test]
fn no_module_re_exports_another_wholesale() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut offenders = Vec::new();
    for crate_src in [
        "server/src",
        "shared/src",
        "frontend/src",
        "migrations/src",
        "e2e/src",
    ] {
        let dir = workspace.join(crate_src);
        if !dir.is_dir() {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for file in files {
            let source = std::fs::read_to_string(&file).expect("a readable source file");
            for (n, line) in code_of(&source).lines().enumerate() {
                let line = line.trim();
                if (line.starts_with("pub use") || line.starts_with("pub(crate) use"))
                    && line.ends_with("::*;")
                {
                    offenders.push(format!("{}:{}: {line}", file.display(), n + 1));
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "glob re-exports hide where a name lives:\n{}",
        offenders.join("\n")
    );
}
