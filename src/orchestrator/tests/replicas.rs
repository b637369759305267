//! An orchestrator shared by replicas, on the fake clock: one machine leads
//! and stores its durable changes after every step, as the leader does in
//! Redis; another resumes from what was stored. Ticks are counted by the
//! instant they serve (`scheduled_at`), as the end-to-end tests count side
//! effects.

use std::collections::HashMap;

use super::harness::{every, Sim, T0};
use crate::orchestrator::clock::Millis;
use crate::orchestrator::machine::durable::{Changes, LostRun, Resume};
use crate::orchestrator::machine::{Output, RunId, RunOutcome, Trigger};
use crate::orchestrator::{CatchUp, JobSpec};

/// What Redis would hold: the stored records, letters and runs out.
#[derive(Default)]
struct Store {
    resume: Resume,
    /// Runs started and not yet ended, as their leader stored them.
    out: HashMap<RunId, LostRun>,
}

impl Store {
    /// Stores a step: its durable changes, and the runs its outputs start and end.
    fn commit(&mut self, changes: Changes, outputs: &[Output]) {
        self.resume.counters = changes.counters;
        self.resume.jobs.extend(changes.jobs);
        self.resume.dead_letters.retain(|letter| !changes.removed_letters.contains(&letter.id));
        for letter in changes.letters {
            match self.resume.dead_letters.iter_mut().find(|kept| kept.id == letter.id) {
                Some(kept) => *kept = letter,
                None => self.resume.dead_letters.push(letter),
            }
        }
        for output in outputs {
            match output {
                Output::Start { run, job, attempt, trigger, dead_letter, scheduled_at, .. } => {
                    let lost = LostRun {
                        id: *run,
                        job: job.clone(),
                        attempt: *attempt,
                        trigger: *trigger,
                        scheduled_at: *scheduled_at,
                        dead_letter: *dead_letter,
                    };
                    self.out.insert(*run, lost);
                }
                Output::Succeeded { run, .. }
                | Output::Failed { run, will_retry: false, .. }
                | Output::Cancelled { run, .. } => {
                    self.out.remove(run);
                }
                _ => {}
            }
        }
    }

    fn resume(&self, alive_since: Millis) -> Resume {
        Resume { lost_runs: self.out.values().cloned().collect(), alive_since, ..self.resume.clone() }
    }
}

/// A leader: a machine whose every step is stored.
struct Leader {
    sim: Sim,
}

impl Leader {
    fn new(jobs: &[(&str, JobSpec)], now: Millis) -> Leader {
        let mut sim = Sim::new(4);
        sim.now = now;
        for (name, spec) in jobs {
            sim.register(name, spec.clone());
        }
        Leader { sim }
    }

    fn resume(&mut self, store: &mut Store, alive_since: Millis) -> Vec<Output> {
        self.sim.machine.resume(store.resume(alive_since), self.sim.now).unwrap();
        self.step(store)
    }

    fn step(&mut self, store: &mut Store) -> Vec<Output> {
        let outputs = self.sim.take();
        store.commit(self.sim.machine.take_changes(), &outputs);
        outputs
    }

    /// Runs until `until`, each run succeeding at once; returns the ticks served.
    fn play(&mut self, store: &mut Store, until: Millis, mut first: Vec<Output>) -> Vec<(String, Millis)> {
        let mut served = Vec::new();
        loop {
            let mut outputs = std::mem::take(&mut first);
            while !outputs.is_empty() {
                let mut next = Vec::new();
                for output in &outputs {
                    if let Output::Start { run, job, attempt, scheduled_at, .. } = output {
                        if let Some(at) = scheduled_at {
                            served.push((job.clone(), *at));
                        }
                        self.sim.machine.start_taken(*run, *attempt, self.sim.now);
                        self.sim.machine.run_finished(*run, *attempt, RunOutcome::Success, self.sim.now);
                        next.extend(self.step(store));
                    }
                }
                outputs = next;
            }
            match self.sim.machine.next_deadline() {
                Some(at) if at <= until => {
                    self.sim.now = at;
                    self.sim.machine.advance(at);
                    first = self.step(store);
                }
                _ => return served,
            }
        }
    }
}

fn ticks_of(served: &[(String, Millis)], job: &str) -> Vec<Millis> {
    served.iter().filter(|(name, _)| name == job).map(|(_, at)| *at).collect()
}

#[test]
fn a_new_leader_serves_every_tick_after_the_last_one_served_and_none_before() {
    let jobs = [("a", every(100)), ("b", every(250))];
    let mut store = Store::default();
    let mut first = Leader::new(&jobs, T0);
    first.sim.machine.start(T0).unwrap();
    let outputs = first.step(&mut store);
    let mut served = first.play(&mut store, T0 + 1_050, outputs);
    // The first leader is gone at T0 + 1 050; the next takes over 620 ms later.
    let mut second = Leader::new(&jobs, T0 + 1_670);
    let outputs = second.resume(&mut store, T0);
    served.extend(second.play(&mut store, T0 + 3_000, outputs));

    assert_eq!(ticks_of(&served, "a"), (1..=30).map(|k| T0 + 100 * k).collect::<Vec<_>>());
    assert_eq!(ticks_of(&served, "b"), (1..=12).map(|k| T0 + 250 * k).collect::<Vec<_>>());
}

#[test]
fn ticks_while_no_replica_was_alive_follow_the_catch_up_policy() {
    let once = every(100);
    let skip = JobSpec { catch_up: CatchUp::Skip, ..every(100) };
    let mut store = Store::default();
    let mut first = Leader::new(&[("once", once.clone()), ("skip", skip.clone())], T0);
    first.sim.machine.start(T0).unwrap();
    let outputs = first.step(&mut store);
    first.play(&mut store, T0 + 500, outputs);
    // Nobody from T0 + 500 until T0 + 2 000, when a replica starts and leads.
    let mut second = Leader::new(&[("once", once), ("skip", skip)], T0 + 2_000);
    let outputs = second.resume(&mut store, T0 + 2_000);
    let served = second.play(&mut store, T0 + 2_300, outputs);

    // T0 + 2 000 is the first tick a replica was alive for.
    let live = [T0 + 2_000, T0 + 2_100, T0 + 2_200, T0 + 2_300];
    assert_eq!(ticks_of(&served, "once"), [&[T0 + 600][..], &live].concat(), "one run for the window");
    assert_eq!(ticks_of(&served, "skip"), live);
}

#[test]
fn a_run_out_with_a_lost_leader_fails_as_lost_and_is_retried() {
    let spec = JobSpec { retries: 1, ..every(1_000) };
    let mut store = Store::default();
    let mut first = Leader::new(&[("job", spec.clone())], T0);
    first.sim.machine.start(T0).unwrap();
    first.step(&mut store);
    first.sim.now = T0 + 1_000;
    first.sim.machine.advance(T0 + 1_000);
    let outputs = first.step(&mut store);
    let Some(Output::Start { run, .. }) = outputs.first().cloned() else { panic!("{outputs:?}") };
    // It dies with the run out.
    let mut second = Leader::new(&[("job", spec)], T0 + 1_500);
    let outputs = second.resume(&mut store, T0);
    assert!(
        matches!(&outputs[..], [Output::Failed { run: failed, replica_lost: true, will_retry: true, attempt: 1, .. }] if *failed == run),
        "{outputs:?}"
    );
    second.sim.now = second.sim.machine.next_deadline().unwrap();
    second.sim.machine.advance(second.sim.now);
    let outputs = second.step(&mut store);
    assert!(
        matches!(
            &outputs[..],
            [Output::Start { run: retried, attempt: 2, trigger: Trigger::Retry, scheduled_at: Some(at), .. }]
                if *retried == run && *at == T0 + 1_000
        ),
        "the same run, serving the same tick: {outputs:?}"
    );
    assert!(store.resume.jobs["job"].ticks_done == Some(T0 + 1_000));
}

#[test]
fn counts_disabled_jobs_and_dead_letters_survive_a_change_of_leader() {
    let spec = JobSpec { max_consecutive_failures: 1, ..every(100) };
    let mut store = Store::default();
    let mut first = Leader::new(&[("job", spec.clone())], T0);
    first.sim.machine.start(T0).unwrap();
    first.step(&mut store);
    let outputs = first.sim.advance_to(T0 + 100);
    let Some(Output::Start { run, .. }) = outputs.first().cloned() else { panic!("{outputs:?}") };
    store.commit(first.sim.machine.take_changes(), &outputs);
    first.sim.machine.run_finished(run, 1, RunOutcome::Failure { error: "boom".into() }, T0 + 110);
    first.step(&mut store);

    let mut second = Leader::new(&[("job", spec)], T0 + 500);
    second.resume(&mut store, T0);
    let status = second.sim.machine.status();
    let job = &status.jobs[0];
    assert_eq!((job.enabled, job.runs, job.failures, job.last_error.as_deref()), (false, 1, 1, Some("boom")));
    let letters = second.sim.machine.dead_letters();
    assert_eq!((letters.len(), letters[0].run, letters[0].error.as_str()), (1, run, "boom"));
    assert!(second.sim.machine.trigger("job", T0 + 500).unwrap() > run, "run ids go on");
}

#[test]
fn a_new_definition_goes_on_from_the_last_tick_served_with_no_tick_twice_and_no_gap() {
    let mut store = Store::default();
    let mut leader = Leader::new(&[("job", every(500))], T0);
    leader.sim.machine.start(T0).unwrap();
    let outputs = leader.step(&mut store);
    let mut served = leader.play(&mut store, T0 + 1_200, outputs);
    leader.sim.now = T0 + 1_200;
    leader.sim.machine.redefine("job", every(300), T0 + 1_200).unwrap();
    let outputs = leader.step(&mut store);
    served.extend(leader.play(&mut store, T0 + 2_000, outputs));
    // 500-grid up to T0 + 1 000 (served), then the 300-grid from the anchor.
    assert_eq!(ticks_of(&served, "job"), [T0 + 500, T0 + 1_000, T0 + 1_200, T0 + 1_500, T0 + 1_800]);
    assert_eq!(leader.sim.machine.status().jobs[0].runs, 5, "its counts go on");
}

#[test]
fn a_tick_due_while_its_jobs_run_is_queued_is_served_after_it_not_absorbed() {
    let mut sim = Sim::new(2);
    sim.register("a", JobSpec { blocks: vec!["b".into()], ..every(100) });
    sim.register("b", super::harness::triggered());
    sim.machine.resume(Resume::default(), T0).unwrap();
    sim.take();
    sim.now = T0 + 50;
    sim.trigger("b");
    // b holds a off from T0 + 50 to T0 + 300: a's ticks 100 and 200 wait.
    let log = sim.play(T0 + 600, |start| (if start.job == "b" { 250 } else { 10 }, true));
    let ticks: Vec<Millis> = log
        .iter()
        .filter_map(|(_, output)| match output {
            Output::Start { job, scheduled_at: Some(at), .. } if job == "a" => Some(*at),
            _ => None,
        })
        .collect();
    assert_eq!(ticks, (1..=6).map(|k| T0 + 100 * k).collect::<Vec<_>>());
}
