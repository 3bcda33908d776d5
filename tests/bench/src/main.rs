//! The benchmark: prints one table of figures for ntlmssp (through the exported C ABI and through
//! the Rust core), the crypto floor of the same handshake, and the peers doing the same work in
//! the same run: Devolutions sspi-rs in this process, gss-ntlmssp and WinPR through small C
//! programs when scripts/bench.sh could build them (passed as `--peer name=path`).
//!
//! Every figure is the median of several timed runs after a warm-up. Nothing here asserts a
//! speed; it prints numbers.

mod abi;
mod alloc_count;
#[path = "../../common/mod.rs"]
mod common;
mod floor;
mod negotiate;
mod peers;
mod sspi_rs;
mod users;

use std::time::{Duration, Instant};

#[global_allocator]
static ALLOC: alloc_count::Counting = alloc_count::Counting;

pub const USER: &str = "alice";
pub const DOMAIN: &str = "DOMAIN";
pub const PASSWORD: &str = "Secret123";
pub const SIZES: [usize; 3] = [64, 1024, 65536];

/// Runs `f` (which performs `per_call` operations) repeatedly for about `window` of this
/// thread's CPU time, `runs` times after one warm-up run; the median rate in operations per
/// CPU-second. CPU time rather than wall time: on a shared machine the time this thread waits
/// for a core, which says nothing about the code, does not count (the C peers measure the same
/// way, tests/bench/peers/timing.h).
pub fn rate(runs: usize, window: Duration, per_call: u64, f: impl FnMut()) -> f64 {
    rate_on(thread_cpu_time, runs, window, per_call, f)
}

/// [`rate`] in wall time: for threads running at once, where waiting for a core is the figure.
pub fn wall_rate(runs: usize, window: Duration, per_call: u64, f: impl FnMut()) -> f64 {
    let start = Instant::now();
    rate_on(move || start.elapsed(), runs, window, per_call, f)
}

fn rate_on(clock: impl Fn() -> Duration, runs: usize, window: Duration, per_call: u64, mut f: impl FnMut()) -> f64 {
    let mut one = || {
        let start = clock();
        let mut n = 0u64;
        while clock() - start < window {
            for _ in 0..8 {
                f();
            }
            n += 8 * per_call;
        }
        n as f64 / (clock() - start).as_secs_f64()
    };
    one();
    let mut rates: Vec<f64> = (0..runs).map(|_| one()).collect();
    rates.sort_by(|a, b| a.partial_cmp(b).unwrap());
    rates[rates.len() / 2]
}

/// Figures measured in alternating rounds ([`Config::alternating`]), with whether the machine's
/// other cores were idle during each round. On a shared machine a busy neighbour slows code
/// that fills the core's issue width (sealing) more than code bound by a dependency chain (MD5),
/// so ratios from rounds with idle neighbours are the ones that describe the code; when at least
/// three rounds were quiet the figures come from those.
pub struct Rounds {
    rates: Vec<Vec<f64>>,
    quiet: Vec<bool>,
}

impl Rounds {
    pub fn measure(cfg: &Config, loops: &mut [Box<dyn FnMut()>]) -> Rounds {
        let (n, window) = cfg.alternating();
        let (mut rates, mut quiet) = (Vec::new(), Vec::new());
        for _ in 0..n {
            let before = CpuSample::now();
            rates.push(loops.iter_mut().map(|f| rate(1, window, 1, &mut **f)).collect());
            quiet.push(before.others_busy() < 0.1);
        }
        Rounds { rates, quiet }
    }

    fn kept(&self) -> Vec<&Vec<f64>> {
        let use_quiet = self.quiet.iter().filter(|&&q| q).count() >= 3;
        self.rates.iter().zip(&self.quiet).filter(|(_, &q)| q || !use_quiet).map(|(r, _)| r).collect()
    }

    /// The median over the kept rounds of `f` applied to a round's rates.
    pub fn median(&self, f: impl Fn(&[f64]) -> f64) -> f64 {
        let mut v: Vec<f64> = self.kept().iter().map(|r| f(r)).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    }

    /// "quiet/all" rounds: the figures are medians over the quiet rounds when there are at
    /// least three, else over all.
    pub fn note(&self) -> String {
        format!("{}/{}", self.quiet.iter().filter(|&&q| q).count(), self.rates.len())
    }
}

/// The machine's busy CPU time (/proc/stat, steal included), this process's CPU time and the
/// wall clock, to tell how much of the machine others used since.
struct CpuSample {
    busy: f64,
    own: f64,
    at: Instant,
}

impl CpuSample {
    fn now() -> CpuSample {
        let tick = 1.0 / (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64);
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let busy = stat
            .lines()
            .next()
            .map(|l| {
                let v: Vec<f64> = l.split_whitespace().skip(1).take(8).filter_map(|x| x.parse().ok()).collect();
                v.iter().sum::<f64>() - v.get(3).unwrap_or(&0.0) - v.get(4).unwrap_or(&0.0)
            })
            .unwrap_or(0.0);
        let own = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                // Fields after the command name (which may hold spaces): utime and stime are
                // the 12th and 13th.
                let rest = s.rsplit_once(')')?.1;
                let f: Vec<&str> = rest.split_whitespace().collect();
                Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
            })
            .unwrap_or(0.0);
        CpuSample { busy: busy * tick, own: own * tick, at: Instant::now() }
    }

    /// How many CPUs, on average since this sample, others kept busy.
    fn others_busy(&self) -> f64 {
        let now = CpuSample::now();
        ((now.busy - self.busy) - (now.own - self.own)) / now.at.duration_since(self.at).as_secs_f64()
    }
}

/// The CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid clock id and a pointer to a timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

pub struct Config {
    pub runs: usize,
    pub window: Duration,
}

impl Config {
    /// Rounds and window for figures measured in alternating rounds for their ratios: four
    /// times the rounds, a quarter of the window (the same time), so that a busy spell of a
    /// shared machine falls within fewer rounds and weighs on both sides of their ratios.
    pub fn alternating(&self) -> (usize, Duration) {
        (4 * self.runs.max(3), self.window / 4)
    }
}

pub fn human(n: f64) -> String {
    if n >= 1e6 {
        format!("{:.2}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{:.1}k", n / 1e3)
    } else {
        format!("{n:.0}")
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    format!("{cpu}, {cores} logical cores")
}

/// Negotiate next to NTLM: the SPNEGO layer's cost is the median of per-round differences
/// between a Negotiate and an NTLM handshake, measured in alternating rounds.
fn negotiate_rows(cfg: &Config, ours_abi: f64) {
    let rounds: Vec<[f64; 4]> = (0..cfg.runs.max(3))
        .map(|_| {
            [
                rate(1, cfg.window, 1, abi::handshake_once),
                rate(1, cfg.window, 1, negotiate::handshake_once),
                rate(1, cfg.window, 1, abi::core_handshake_once),
                rate(1, cfg.window, 1, negotiate::core_handshake_once),
            ]
        })
        .collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let abi = median(rounds.iter().map(|r| r[1]).collect());
    let core = median(rounds.iter().map(|r| r[3]).collect());
    let abi_cost = median(rounds.iter().map(|r| 1e6 / r[1] - 1e6 / r[0]).collect());
    let abi_share = median(rounds.iter().map(|r| (1e6 / r[1] - 1e6 / r[0]) / (1e6 / r[0])).collect());
    let core_cost = median(rounds.iter().map(|r| 1e6 / r[3] - 1e6 / r[2]).collect());
    let core_share = median(rounds.iter().map(|r| (1e6 / r[3] - 1e6 / r[2]) / (1e6 / r[2])).collect());
    let sspi = rate(cfg.runs, cfg.window, 1, negotiate::sspi_rs_handshake_once);
    let row = |name: &str, r: f64| println!("| {name} | {} | {:.2} | {:.2} |", human(r), 1e6 / r, ours_abi / r);
    row("ntlmssp Negotiate (SPNEGO + NTLMv2, final token back to the client), exported C ABI", abi);
    row("ntlmssp Negotiate, Rust core", core);
    row("sspi-rs 0.23 Negotiate (SPNEGO + its NTLM)", sspi);
    println!(
        "SPNEGO layer cost: {abi_cost:.2} µs per handshake through the C ABI ({:.1}% of an NTLM handshake), {core_cost:.2} µs in the core ({:.1}%) (medians of per-round differences)",
        abi_share * 100.0,
        core_share * 100.0
    );
    let (codec, mic) = negotiate::parts(cfg);
    println!(
        "of which: DER codec of the four tokens {codec:.2} µs; mechListMIC {mic:.2} µs (both sides' signing/sealing keys, which NTLM derives on a context's first message, four MACs, RC4 resets); the rest {:.2} µs",
        core_cost - codec - mic
    );
}

fn main() {
    let mut cfg = Config { runs: 5, window: Duration::from_millis(300) };
    let mut peer_programs = Vec::new();
    let mut large = false;
    let mut profile_users: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => cfg = Config { runs: 3, window: Duration::from_millis(100) },
            // The user-count table also at 1,000,001 users.
            "--large" => large = true,
            // With --profile-handshakes (given before it): the server's file has M users, the
            // logging-in one last.
            "--profile-users" => profile_users = Some(args.next().and_then(|n| n.parse().ok()).expect("--profile-users M")),
            // For profilers: only N handshakes' crypto floor (instruction counts beside
            // --profile-handshakes).
            "--profile-floor" => {
                let n: usize = args.next().and_then(|n| n.parse().ok()).expect("--profile-floor N");
                for _ in 0..n {
                    floor::handshake_crypto();
                }
                return;
            }
            // For profilers: only AcquireCredentialsHandle(INBOUND) on a file of N users.
            "--profile-acquire" => {
                let n: usize = args.next().and_then(|n| n.parse().ok()).expect("--profile-acquire N");
                return users::profile_acquire(n);
            }
            // Only the message tables (no peers) and the primitives.
            "--messages" => {
                abi::setup_user_file();
                message_tables(&cfg, &[]);
                println!("## Crypto primitives: ntlmssp's own (src/nlmp/digest.rs, src/nlmp/rc4.rs) and the stock crates");
                return floor::primitives(&cfg);
            }
            // Only the user-count table.
            "--users" => {
                abi::setup_user_file();
                return users::table(&cfg, large);
            }
            "--peer" => peer_programs.push(args.next().expect("--peer name=path")),
            // For profilers (valgrind --tool=callgrind, perf): only N handshakes through the ABI.
            "--profile-handshakes" => {
                let n: usize = args.next().and_then(|n| n.parse().ok()).expect("--profile-handshakes N");
                match profile_users {
                    Some(m) => users::use_file_of(m),
                    None => abi::setup_user_file(),
                }
                for _ in 0..n {
                    abi::handshake_once();
                }
                return;
            }
            // The same for Negotiate handshakes, through the ABI.
            "--profile-negotiate" => {
                let n: usize = args.next().and_then(|n| n.parse().ok()).expect("--profile-negotiate N");
                abi::setup_user_file();
                for _ in 0..n {
                    negotiate::handshake_once();
                }
                return;
            }
            // For profilers: N message pairs of SIZE bytes (sign: MakeSignature+VerifySignature,
            // seal: EncryptMessage+DecryptMessage) through the exported functions (abi), the
            // Rust core (core) or as their crypto floor (floor), after one warm-up pair.
            "--profile-messages" => {
                let path = args.next().expect("--profile-messages abi|core|floor sign|seal SIZE N");
                let op = args.next().expect("sign|seal");
                let size: usize = args.next().and_then(|n| n.parse().ok()).expect("SIZE");
                let n: usize = args.next().and_then(|n| n.parse().ok()).expect("N");
                abi::setup_user_file();
                let mut f = message_loop(&path, &op, size);
                for _ in 0..=n {
                    f();
                }
                return;
            }
            // For profilers: N runs of one 64 KiB primitive (md5, seal, unseal, rc4).
            "--profile-primitive" => {
                let name = args.next().expect("--profile-primitive md5|seal|unseal|rc4 N");
                let n: usize = args.next().and_then(|n| n.parse().ok()).expect("N");
                let mut f = floor::primitive(&name);
                for _ in 0..n {
                    f();
                }
                return;
            }
            // For profilers: N core handshakes each followed by one sealed message each way,
            // plain NTLM or Negotiate.
            "--profile-ntlm-messages" | "--profile-negotiate-messages" => {
                let n: usize = args.next().and_then(|n| n.parse().ok()).expect("N");
                return negotiate::profile_first_messages(n, a == "--profile-negotiate-messages");
            }
            other => panic!("unknown argument {other}"),
        }
    }
    abi::setup_user_file();

    println!("ntlmssp benchmark on {}", machine());
    println!("each figure: median of {} runs of {} ms of the measuring thread's CPU time after a warm-up (threads: wall time); ratios are ours/peer (>1 means ntlmssp is faster)\n", cfg.runs, cfg.window.as_millis());

    // 1. Handshakes.
    // Ours through the ABI, through the core, and the floor, measured in alternating rounds:
    // each figure is the median of its rounds and each ratio the median of the per-round
    // ratios, so a slow spell of the machine weighs on both sides of a ratio.
    let rounds: Vec<[f64; 3]> = (0..cfg.runs.max(3))
        .map(|_| {
            [
                rate(1, cfg.window, 1, abi::handshake_once),
                rate(1, cfg.window, 1, abi::core_handshake_once),
                rate(1, cfg.window, 1, floor::handshake_crypto),
            ]
        })
        .collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let ours_abi = median(rounds.iter().map(|r| r[0]).collect());
    let ours_core = median(rounds.iter().map(|r| r[1]).collect());
    let floor = median(rounds.iter().map(|r| r[2]).collect());
    let abi_cost = median(rounds.iter().map(|r| 1e6 / r[0] - 1e6 / r[1]).collect());
    let over_floor = median(rounds.iter().map(|r| r[2] / r[0]).collect());
    let sspi = rate(cfg.runs, cfg.window, 1, sspi_rs::handshake_once);
    let external: Vec<peers::Peer> = peer_programs.iter().filter_map(|p| peers::run(p, &cfg)).collect();

    println!("## Full NTLMv2 handshake (ISC, ASC, ISC, ASC with MIC, key exchange, server verification, delete x2), one thread");
    println!("| implementation | handshakes/s | µs each | ours (C ABI) / it |");
    println!("|---|---:|---:|---:|");
    let row = |name: &str, r: f64| println!("| {name} | {} | {:.2} | {:.2} |", human(r), 1e6 / r, ours_abi / r);
    row("ntlmssp, exported C ABI", ours_abi);
    row("ntlmssp, Rust core", ours_core);
    row("crypto floor (same operations, no parsing/handles)", floor);
    row("sspi-rs 0.23 (its server does not check the NTProofStr)", sspi);
    for p in &external {
        if let Some(r) = p.handshakes {
            row(&p.name, r);
        }
    }
    negotiate_rows(&cfg, ours_abi);
    let keys = rate(cfg.runs, cfg.window, 1, floor::first_message_keys);
    println!("ABI layer cost: {abi_cost:.2} µs per handshake; total / crypto floor: {over_floor:.2}x (medians of per-round differences and ratios)");
    println!("(ntlmssp derives signing and sealing keys on a context's first message: {:.2} µs per context pair, not in these handshakes)\n", 1e6 / keys);

    // 2. Signing and sealing.
    message_tables(&cfg, &external);

    // 3. Servers with many users.
    users::table(&cfg, large);

    // 4. Threads and memory. Every thread count is measured in each round, and each scaling is
    // the median of the per-round ratios to one thread, so a slow spell of the machine hits
    // both sides of a ratio. "Shared": every thread's server uses the one server credential
    // (one user database), as a real server does; "own": each thread acquired its own.
    let all = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut counts = vec![1, 2, all];
    counts.dedup();
    let one_cfg = Config { runs: 1, window: cfg.window };
    let kinds: [(&str, fn()); 3] = [
        ("C ABI, one shared server credential", abi::handshake_once),
        ("C ABI, a credential per thread", abi::handshake_own_credentials),
        ("Rust core", abi::core_handshake_once),
    ];
    let rounds: Vec<Vec<Vec<f64>>> = (0..cfg.runs.max(3))
        .map(|_| kinds.iter().map(|(_, f)| counts.iter().map(|&t| abi::threaded_rate(t, &one_cfg, *f)).collect()).collect())
        .collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    // One table of rates per thread count, each beside one thread's (medians of per-round ratios).
    let scaling = |title: &str, names: &[&str], rounds: &[Vec<Vec<f64>>]| {
        println!("| {title} | {} |", counts.iter().map(|t| format!("{t} thread{}", if *t == 1 { "" } else { "s" })).collect::<Vec<_>>().join(" | "));
        println!("|---|{}", "---:|".repeat(counts.len()));
        for (k, name) in names.iter().enumerate() {
            let cells: Vec<String> = (0..counts.len())
                .map(|i| {
                    let r = median(rounds.iter().map(|r| r[k][i]).collect());
                    if i == 0 {
                        format!("{}/s", human(r))
                    } else {
                        format!("{}/s ({:.2}x)", human(r), median(rounds.iter().map(|r| r[k][i] / r[k][0]).collect()))
                    }
                })
                .collect();
            println!("| {name} | {} |", cells.join(" | "));
        }
    };
    println!("## Threads ({all} available) and memory");
    scaling("handshakes", &kinds.iter().map(|(n, _)| *n).collect::<Vec<_>>(), &rounds);
    // Message protection with a context pair of its own per thread (through the C ABI): no
    // state is shared but the handle table.
    let message_kinds = [("Make+VerifySignature, 64 B", "sign", 64), ("Encrypt+DecryptMessage, 64 B", "seal", 64), ("Encrypt+DecryptMessage, 64 KiB", "seal", 65536)];
    let rounds: Vec<Vec<Vec<f64>>> = (0..cfg.runs.max(3))
        .map(|_| message_kinds.iter().map(|&(_, op, size)| counts.iter().map(|&t| threaded_messages(t, &one_cfg, op, size)).collect()).collect())
        .collect();
    scaling("message pairs, a context pair per thread", &message_kinds.iter().map(|(n, _, _)| *n).collect::<Vec<_>>(), &rounds);
    println!();
    println!("| figure | value |");
    println!("|---|---:|");
    let (client_bytes, server_bytes) = abi::heap_per_context();
    println!("| heap held per established client context | {client_bytes} B |");
    println!("| heap held per established server context | {server_bytes} B |");
    let allocs = abi::allocations_per_message();
    println!("| heap allocations per MakeSignature/VerifySignature/EncryptMessage/DecryptMessage (after a direction's first, which boxes its keys) | {allocs} |");
    println!();
    println!("## Crypto primitives: ntlmssp's own (src/nlmp/digest.rs, src/nlmp/rc4.rs) and the stock crates");
    floor::primitives(&cfg);
    println!();
    debug_trace_cost(&cfg);
}

/// Signing and sealing: ours through the C ABI and the Rust core beside the crypto floor of the
/// same messages (measured in alternating rounds, [`Config::alternating`]; each ratio the median
/// of the per-round ratios), then beside the peers.
fn message_tables(cfg: &Config, external: &[peers::Peer]) {
    let ops = [("Make+VerifySignature", "sign"), ("Encrypt+DecryptMessage", "seal")];
    println!("## Message protection, one thread, beside its crypto floor (a message each way per pair)");
    println!("| size | operation | C ABI | Rust core | crypto floor | C ABI / floor | core / floor |");
    println!("|---:|---|---:|---:|---:|---:|---:|");
    let mut ours = Vec::new();
    let mut notes = Vec::new();
    for size in SIZES {
        for (op, name) in ops {
            let mut loops: Vec<Box<dyn FnMut()>> = ["abi", "core", "floor"].iter().map(|p| message_loop(p, name, size)).collect();
            let rounds = Rounds::measure(cfg, &mut loops);
            let r = |k: usize| rounds.median(|r| r[k]);
            let over = |k: usize| rounds.median(|r| r[2] / r[k]);
            let cell = |rate: f64| format!("{:.2} µs, {:.0} MB/s", 1e6 / rate, rate * size as f64 / 1e6);
            println!("| {size} | {op} | {} | {} | {} | {:.2}x | {:.2}x |", cell(r(0)), cell(r(1)), cell(r(2)), over(0), over(1));
            notes.push(format!("{size} {name} {}", rounds.note()));
            ours.push((size, op, r(0)));
        }
    }
    println!("(µs per pair; MB/s of message data; rounds with the other cores idle, from which the figures are when there are 3 or more: {})\n", notes.join(", "));

    println!("## Message protection, one thread, beside the peers (MB/s of message data; pairs/s)");
    println!("| size | operation | ntlmssp | sspi-rs | ours/sspi-rs | {} |", external.iter().map(|p| format!("{} | ours/{}", p.name, p.name)).collect::<Vec<_>>().join(" | "));
    println!("|---:|---|---:|---:|---:|{}", "---:|---:|".repeat(external.len()));
    for (size, op, ours) in ours {
        let sspi_f = if op == ops[0].0 { sspi_rs::sign_verify } else { sspi_rs::seal_unseal };
        let mut g = sspi_f(size);
        let theirs = rate(cfg.runs, cfg.window, 1, &mut *g);
        let mb = |r: f64| r * size as f64 / 1e6;
        let mut line = format!("| {size} | {op} | {:.0} MB/s, {}/s | {:.0} MB/s | {:.2} |", mb(ours), human(ours), mb(theirs), ours / theirs);
        for p in external {
            match p.message_rate(op, size) {
                Some(r) => line += &format!(" {:.0} MB/s | {:.2} |", mb(r), ours / r),
                None => line += " - | - |",
            }
        }
        println!("{line}");
    }
    println!();
}

/// Message pairs per second (wall time, summed over threads) with `threads` threads, each on
/// a context pair of its own through the C ABI.
fn threaded_messages(threads: usize, cfg: &Config, op: &'static str, size: usize) -> f64 {
    let (runs, window) = (cfg.runs, cfg.window);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                let mut f = message_loop("abi", op, size);
                wall_rate(runs, window, 1, &mut *f)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).sum()
}

/// The loop of one message row: `path` is abi, core or floor, `op` sign or seal.
fn message_loop(path: &str, op: &str, size: usize) -> Box<dyn FnMut()> {
    match (path, op) {
        ("abi", "sign") => abi::sign_verify(size),
        ("abi", "seal") => abi::seal_unseal(size),
        ("core", "sign") => abi::core_sign_verify(size),
        ("core", "seal") => abi::core_seal_unseal(size),
        ("floor", "sign") => floor::sign_verify(size),
        ("floor", "seal") => floor::seal_unseal(size),
        _ => panic!("unknown message loop {path} {op}"),
    }
}

/// The NTLMSSP_DEBUG trace: handshakes with it off (the default: one atomic load per step) and
/// on, writing every decoded message to /dev/null, in alternating rounds.
fn debug_trace_cost(cfg: &Config) {
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null").expect("/dev/null");
    let mut rounds = Vec::new();
    for _ in 0..cfg.runs.max(3) {
        ntlmssp::inspect::trace::force(None);
        let off = rate(1, cfg.window, 1, abi::handshake_once);
        ntlmssp::inspect::trace::force(Some(Box::new(null.try_clone().expect("dup /dev/null"))));
        let on = rate(1, cfg.window, 1, abi::handshake_once);
        rounds.push((off, on));
    }
    ntlmssp::inspect::trace::force(None);
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let off = median(rounds.iter().map(|r| r.0).collect());
    let on = median(rounds.iter().map(|r| r.1).collect());
    println!("## NTLMSSP_DEBUG trace (full handshake through the C ABI, one thread)");
    println!("| trace | handshakes/s | µs each |");
    println!("|---|---:|---:|");
    println!("| off (default) | {} | {:.2} |", human(off), 1e6 / off);
    println!("| on, to /dev/null (every message decoded and written) | {} | {:.2} |", human(on), 1e6 / on);
}
