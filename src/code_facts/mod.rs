//! The facts of one scanned file, as [`crate::scan::python`] reads them: plain data, judged by
//! the code rules in [`crate::rules`] (SG401-SG408). Nothing here decides whether a fact is a
//! finding; offsets are byte offsets into the file's text.
//!
//! It sits below both the reader ([`crate::scan`]) and the rules, so rules judge facts without
//! depending on the scan that gathers them. With the facts: [`blobs`], which decodes encoded
//! literals, and [`indicators`], which matches endpoints, credential paths and shell commands.

pub mod blobs;
pub mod indicators;

use blobs::Blob;
use indicators::Indicator;
use std::ops::Range;

/// How deep a reader walks a file's syntax tree; deeper code is not read
/// ([`Facts::too_deep`]).
pub const MAX_DEPTH: usize = 200;

/// What a call or literal shows, as bits so a file's signals combine with `|`.
pub mod kind {
    /// Capability: runs code that is not a literal (`exec`, `eval`, `marshal.loads`...).
    pub const EXEC: u16 = 1;
    /// Capability: launches a process.
    pub const SPAWN: u16 = 1 << 1;
    /// Capability: reaches the network.
    pub const NETWORK: u16 = 1 << 2;
    /// Writes a file.
    pub const WRITE: u16 = 1 << 3;
    /// Threat: decodes base64, hex, compressed, ROT13 or XOR-ed data.
    pub const DECODE: u16 = 1 << 4;
    /// Threat: a blob that decodes to code, an executable or compressed data.
    pub const BLOB: u16 = 1 << 5;
    /// Threat: a process launched detached or hidden.
    pub const HIDE: u16 = 1 << 6;
    /// Threat: a Discord, Telegram, paste-site, public raw IP or ROT13 URL.
    pub const ENDPOINT: u16 = 1 << 7;
    /// Threat: a path to credentials or wallets.
    pub const SECRET: u16 = 1 << 8;
    /// Threat: builtins looked up by computed name, code pushed off-screen, bidi controls.
    pub const OBFUSCATE: u16 = 1 << 9;
    /// Uses the temporary directory.
    pub const TEMP: u16 = 1 << 10;
    /// A raw IP URL to a local address: only suspicious from code that runs on import.
    pub const ENDPOINT_LOCAL: u16 = 1 << 11;
    /// Makes a file executable (`os.chmod(p, 0o755)`, `stat.S_IXUSR`).
    pub const MAKE_EXEC: u16 = 1 << 12;
    /// Threat: a shell command that runs a download or hands a shell to a socket.
    pub const SHELL: u16 = 1 << 13;
    /// Decodes what the file carries (a literal of 16+ characters, a name bound to one) or a
    /// download, not only data it is given: set with [`DECODE`].
    pub const CARRIED: u16 = 1 << 14;

    pub const CAPABILITIES: u16 = EXEC | SPAWN | NETWORK;
    pub const THREATS: u16 = DECODE | BLOB | HIDE | ENDPOINT | SECRET | OBFUSCATE | SHELL;
}

/// Why a file runs without being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// An ordinary module: runs when imported by name.
    #[default]
    Module,
    /// A package `__init__.py`: runs when anything in the package is imported.
    PackageInit,
    /// `conftest.py`: runs when pytest collects the directory.
    Conftest,
    /// `sitecustomize.py` / `usercustomize.py`: runs at every interpreter start.
    Startup,
    /// `setup.py`: runs on `pip install` of a source distribution.
    Setup,
    /// A `.pth` file: its `import` lines run at every interpreter start.
    Pth,
    /// A script the project's own instructions run (a command in its README, a `Makefile`
    /// target the README names, a pre-commit hook's `entry`, a shell script those run): its
    /// whole top level runs, the body of `if __name__ == "__main__":` included.
    Script,
}

/// One call and what it can do.
#[derive(Debug, Clone)]
pub struct Call {
    pub start: usize,
    pub end: usize,
    /// The callee as written, with imports resolved (`subprocess.Popen`).
    pub callee: String,
    /// What the call itself does ([`kind`] bits).
    pub kinds: u16,
    /// What calling a function of this file does, for calls to one.
    pub local_kinds: u16,
    /// Runs on import: not inside a function, lambda or `if __name__ == "__main__":`.
    pub module_level: bool,
    /// The setuptools command class (`install`, `develop`, ...) whose body holds the call.
    pub command_class: Option<String>,
    /// For process launches: the option that detaches or hides the child.
    pub hidden: Option<String>,
    /// For `exec`-like calls and process launches: the decoder whose output is executed.
    pub decoded_by: Option<String>,
    /// For `exec`-like calls and process launches: the network read whose data is executed.
    pub fetched_by: Option<String>,
    /// For calls that run a callable they are given (`threading.Thread(target=f)`, `map(f,
    /// ...)`, `atexit.register(f)`): that callable's name, when it is a function of this file.
    pub runs: Option<String>,
    /// The innermost function holding the call (0: module level), to tell which calls run
    /// together.
    pub scope: usize,
    /// Runs without being called (see [`Facts`]: reach).
    pub reached: bool,
}

/// A string literal's text (escapes left as written), implicit concatenations joined.
#[derive(Debug, Clone)]
pub struct Literal {
    pub start: usize,
    pub text: String,
    /// A bare string statement (a docstring): documentation, where paths and URLs are examples.
    pub docstring: bool,
    /// What the literal decodes to, when it is an encoded blob ([`blobs`]).
    pub blob: Option<Blob>,
    /// Endpoints and credential paths in the text ([`indicators`]); none for docstrings.
    pub indicators: Vec<Indicator>,
    /// The innermost function holding the literal (0: module level), as for [`Call::scope`].
    pub scope: usize,
    /// Evaluated without being called (see [`Facts`]: reach).
    pub reached: bool,
    /// For a literal bound to a name at module level (`CREDS = expanduser("~/.ssh/id_rsa")`):
    /// the functions of the file that use that name, where its signal counts too.
    pub used_in: Vec<usize>,
}

impl Literal {
    /// A path into the temporary directory (`/tmp/...`, `%TEMP%`).
    pub fn is_temp_path(&self) -> bool {
        self.text.starts_with("/tmp/") || self.text.contains("%TEMP%") || self.text == "/tmp"
    }
}

/// `getattr(__builtins__, ...)` and `__builtins__[...]`.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub start: usize,
    pub end: usize,
    /// The name looked up, when it can be computed from literals.
    pub name: Option<String>,
    /// The name is one of the `exec`-like builtins (`exec`, `eval`, `__import__`...).
    pub exec_like: bool,
    /// True when the name is not a plain literal (`'ex' + 'ec'`, a variable).
    pub computed: bool,
    /// True when the name comes from a variable or call rather than literals: how generic code
    /// (`getattr(builtins, op_name)`) picks a function.
    pub dynamic: bool,
    /// The innermost function holding the look-up (0: module level), as for [`Call::scope`].
    pub scope: usize,
    /// Runs without being called (see [`Facts`]: reach).
    pub reached: bool,
}

impl Lookup {
    /// Names an `exec`-like builtin, or hides the name it looks up behind computed literals.
    pub fn hides_exec(&self) -> bool {
        self.exec_like || (self.computed && !self.dynamic)
    }
}

/// Text that hides code from a reader, found line by line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hiding {
    /// A run of `spaces` spaces or tabs from `start` pushes the code at `code` past the edge of
    /// an editor; its line ends at `line_end`.
    OffScreen {
        start: usize,
        spaces: usize,
        code: usize,
        line_end: usize,
    },
    /// The first bidirectional control character of a line (Trojan Source), before any
    /// off-screen code on it.
    Bidi { at: usize, c: char },
}

/// What one file holds.
///
/// **Reach.** A call, literal or look-up is *reached* when it runs as soon as the file runs,
/// without anyone calling it: at module level (class bodies, decorators, default arguments,
/// conditions on `__name__` other than `== "__main__"`), or inside a function of the file that
/// reached code calls or hands to a runner (`threading.Thread(target=f)`, `@atexit.register`,
/// a conftest's `pytest_*` hooks), to any depth; and anywhere in a file that a tool runs as a
/// whole (`setup.py` and build backends, `conftest.py`, start-up files, `.pth` lines, scripts
/// the project's instructions run). Functions are followed by name, as for
/// [`Call::local_kinds`]; `C()` runs the class's `__init__` (`__new__`, `__post_init__`) and
/// `self.f()` any function `f` of the file. Calls from another file's code that runs unasked
/// (`utils.collect()` in a script) are followed too ([`crate::scan::python::reach_from`]).
#[derive(Debug, Default)]
pub struct Facts {
    /// Why the file runs ([`Role::Module`] unless its name says otherwise).
    pub role: Role,
    pub calls: Vec<Call>,
    pub literals: Vec<Literal>,
    pub lookups: Vec<Lookup>,
    /// `cmdclass=` keyword arguments.
    pub cmdclass: Vec<usize>,
    /// Where the tree was deeper than [`MAX_DEPTH`].
    pub too_deep: Option<usize>,
    /// Off-screen code and bidirectional controls, in line order.
    pub hiding: Vec<Hiding>,
    /// For a `.pth` file: its `import` lines (trailing whitespace excluded), which `site` runs.
    pub pth_imports: Vec<Range<usize>>,
    /// Files that are not Python source run as code (`exec(open('x.dat').read())`,
    /// `runpy.run_path('LICENSE.txt')`): the call's range and the path as written.
    pub code_files: Vec<(Range<usize>, String)>,
    /// Names a process launch asks pip to install (`subprocess.check_call([sys.executable,
    /// "-m", "pip", "install", "name"])`, `os.system("pip install name")`): where the name
    /// stands and the name as written, for the dependency rules.
    pub pip_installs: Vec<(usize, String)>,
    /// The modules imported when the file runs (imports outside functions and main guards):
    /// how many leading dots (0: absolute), the module as written after them (`a.b`, or empty
    /// for `from . import x`), and the names imported from it (`x`), which may be submodules.
    pub imports: Vec<Import>,
    /// The file's functions, by name, with the id their calls', literals' and look-ups' `scope`
    /// holds: to follow, after the file is read, calls other files make into it
    /// ([`crate::scan::python::reach_from`]).
    pub functions: Vec<(String, usize)>,
}

/// One module-level `import` or `from ... import` statement ([`Facts::imports`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub level: usize,
    pub module: String,
    pub names: Vec<String>,
}

impl Facts {
    /// Whether a call that runs on import spawns, connects or executes: what a module imported
    /// by code that runs unasked is judged for ([`crate::scan`]).
    pub fn acts_on_import(&self) -> bool {
        self.calls
            .iter()
            .any(|c| c.module_level && (c.kinds | c.local_kinds) & kind::CAPABILITIES != 0)
    }
}

impl Call {
    /// The function of this file whose body this call runs: the callable it is given, or the
    /// callee.
    pub fn target(&self) -> &str {
        self.runs.as_deref().unwrap_or(&self.callee)
    }
}

impl Facts {
    /// What the calls starting in `range` do, directly or through the file's own functions.
    pub fn kinds_in(&self, range: Range<usize>) -> u16 {
        self.calls
            .iter()
            .filter(|c| range.contains(&c.start))
            .fold(0, |k, c| k | c.kinds | c.local_kinds)
    }
}
