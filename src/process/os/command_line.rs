//! Windows has no argument vector: a child gets one command line, which its C
//! runtime splits back into arguments, and one environment block. Both are
//! built here, as the receiving side's rules require. Plain text in, UTF-16
//! out, so the rules are tested on every system.
#![cfg_attr(not(windows), allow(dead_code))]

/// The variables a Windows program cannot start without; copied from the
/// parent when a given environment lacks them (as Node's `child_process` does).
pub const REQUIRED_VARIABLES: [&str; 3] = ["SYSTEMROOT", "SYSTEMDRIVE", "TEMP"];

/// The command line that Microsoft's C runtime (and `CommandLineToArgvW`)
/// splits back into exactly `program` then `args`, NUL-terminated.
pub fn command_line(program: &str, args: &[String]) -> Vec<u16> {
    let mut line = String::new();
    // The program name is read up to the next quote, without escapes: quoted
    // whole, it may hold spaces (a path cannot hold a quote).
    line.push('"');
    line.push_str(program);
    line.push('"');
    for arg in args {
        line.push(' ');
        quote_into(&mut line, arg);
    }
    line.encode_utf16().chain([0]).collect()
}

/// Appends `arg` so that the C runtime reads it back as it is: quoted when it
/// is empty or holds blanks or quotes; a quote escaped with a backslash, and
/// each backslash before a quote (or before the closing quote) doubled.
fn quote_into(line: &mut String, arg: &str) {
    if !arg.is_empty() && !arg.contains([' ', '\t', '\n', '\x0b', '"']) {
        line.push_str(arg);
        return;
    }
    line.push('"');
    let mut backslashes = 0;
    for c in arg.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                line.extend(std::iter::repeat_n('\\', 2 * backslashes + 1));
                line.push('"');
                backslashes = 0;
            }
            _ => {
                line.extend(std::iter::repeat_n('\\', backslashes));
                line.push(c);
                backslashes = 0;
            }
        }
    }
    line.extend(std::iter::repeat_n('\\', 2 * backslashes));
    line.push('"');
}

/// An environment block: `KEY=value` entries, each NUL-terminated, sorted by
/// key without regard to case (as Windows expects), then one more NUL. The
/// variables of `REQUIRED_VARIABLES` that `variables` lacks are taken from
/// `inherited`.
pub fn environment_block(variables: &[(String, String)], inherited: impl Fn(&str) -> Option<String>) -> Vec<u16> {
    let mut entries: Vec<(String, String)> = variables.to_vec();
    for name in REQUIRED_VARIABLES {
        if !entries.iter().any(|(key, _)| key.eq_ignore_ascii_case(name)) {
            if let Some(value) = inherited(name) {
                entries.push((name.to_string(), value));
            }
        }
    }
    entries.sort_by_cached_key(|(key, _)| key.to_uppercase());
    let mut block: Vec<u16> = Vec::new();
    for (key, value) in &entries {
        block.extend(key.encode_utf16());
        block.push(u16::from(b'='));
        block.extend(value.encode_utf16());
        block.push(0);
    }
    if entries.is_empty() {
        // An empty block still ends with two NULs.
        block.push(0);
    }
    block.push(0);
    block
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(wide: &[u16]) -> String {
        String::from_utf16(wide).unwrap()
    }

    /// How the C runtime splits a command line (the rules of
    /// `CommandLineToArgvW`, after the program name).
    fn split(line: &str) -> Vec<String> {
        let mut args = Vec::new();
        let mut chars = line.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                chars.next();
            }
            if chars.peek().is_none() {
                return args;
            }
            let (mut arg, mut quoted, mut backslashes) = (String::new(), false, 0);
            while let Some(&c) = chars.peek() {
                if !quoted && (c == ' ' || c == '\t') {
                    break;
                }
                chars.next();
                match c {
                    '\\' => backslashes += 1,
                    '"' => {
                        arg.extend(std::iter::repeat_n('\\', backslashes / 2));
                        if backslashes % 2 == 1 {
                            arg.push('"');
                        } else if quoted && chars.peek() == Some(&'"') {
                            chars.next();
                            arg.push('"');
                        } else {
                            quoted = !quoted;
                        }
                        backslashes = 0;
                    }
                    _ => {
                        arg.extend(std::iter::repeat_n('\\', backslashes));
                        arg.push(c);
                        backslashes = 0;
                    }
                }
            }
            arg.extend(std::iter::repeat_n('\\', backslashes));
            args.push(arg);
        }
    }

    #[test]
    fn every_argument_reads_back_as_it_was() {
        let args: Vec<String> = [
            "plain",
            "",
            "two words",
            "tab\there",
            r#"say "hi""#,
            r"C:\Program Files\node\",
            r"back\\slashes\\",
            r#"\"quoted\"\\"#,
            r#"""#,
            "--max-old-space-size=64",
            "ünïcödé ✓",
        ]
        .map(String::from)
        .to_vec();
        let line = text(&command_line(r"C:\Program Files\nodejs\node.exe", &args));
        let line = line.strip_suffix('\0').unwrap();
        let rest = line.strip_prefix(r#""C:\Program Files\nodejs\node.exe" "#).unwrap();
        assert_eq!(split(rest), args);
    }

    #[test]
    fn the_environment_is_sorted_without_case_and_keeps_what_windows_needs() {
        let variables = [("b", "2"), ("A", "1"), ("c", "x=y")].map(|(k, v)| (k.to_string(), v.to_string()));
        let inherited = |name: &str| (name != "TEMP").then(|| format!("parent {name}"));
        let block = text(&environment_block(&variables, inherited));
        assert_eq!(block, "A=1\0b=2\0c=x=y\0SYSTEMDRIVE=parent SYSTEMDRIVE\0SYSTEMROOT=parent SYSTEMROOT\0\0");
        let given = [("SystemRoot".to_string(), r"D:\win".to_string())];
        let block = text(&environment_block(&given, |_| None));
        assert_eq!(block, "SystemRoot=D:\\win\0\0");
        assert_eq!(environment_block(&[], |_| None), [0, 0]);
    }
}
