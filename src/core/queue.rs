//! The tasks waiting for a worker: by priority, first in first out within a
//! priority, with ageing so that low priorities are never starved, and
//! removal by id (abort, queue deadline) without scanning.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::BuildHasherDefault;
use std::time::{Duration, Instant};

use super::ids::{TaskId, TaskIdHasher};
use super::task::Task;

/// A waiting task's place in line: its id alone (its time in line is the
/// task's `submitted`), 8 bytes a queued task rather than 24.
type Ticket = TaskId;

/// Past this many priority levels, the empty ones are dropped.
const KEPT_LEVELS: usize = 8;

pub struct TaskQueue {
    /// Owns every waiting task. A task leaves the queue when it leaves this map.
    tasks: HashMap<TaskId, Task, BuildHasherDefault<TaskIdHasher>>,
    /// Tickets by priority, oldest first. A ticket whose task has left `tasks`
    /// (removed by id) is stale and skipped. A level may be empty.
    levels: BTreeMap<i32, VecDeque<Ticket>>,
    /// A waiting task gains one priority level per `ageing` waited.
    ageing: Duration,
}

impl TaskQueue {
    pub fn new(ageing: Duration) -> Self {
        TaskQueue { tasks: HashMap::default(), levels: BTreeMap::new(), ageing }
    }

    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    pub fn push(&mut self, task: Task) {
        self.levels.entry(task.priority).or_default().push_back(task.id);
        self.tasks.insert(task.id, task);
    }

    /// Removes a waiting task wherever it is in line.
    pub fn remove(&mut self, id: TaskId) -> Option<Task> {
        self.tasks.remove(&id)
    }

    /// The task to run next: of the oldest task of each priority, the one
    /// with the highest priority once ageing is counted (ties: the older).
    pub fn pop(&mut self) -> Option<Task> {
        self.drop_stale_heads();
        let mut live = self.levels.iter().filter(|(_, queue)| !queue.is_empty());
        let (&first, _) = live.next()?;
        let level = if live.next().is_none() { first } else { self.aged_best_level()? };
        let queue = self.levels.get_mut(&level).expect("chosen above");
        let ticket = queue.pop_front().expect("a live level");
        Some(self.tasks.remove(&ticket).expect("heads are live"))
    }

    fn aged_best_level(&self) -> Option<i32> {
        let now = Instant::now();
        let live = self.levels.iter().filter(|(_, queue)| !queue.is_empty());
        // Each live level's head is live (`drop_stale_heads`): when it joined the line.
        let since = |queue: &VecDeque<Ticket>| self.tasks[queue.front().expect("a live level")].submitted;
        let (&level, _) = live.max_by(|(&p1, q1), (&p2, q2)| {
            let (a, b) = (since(q1), since(q2));
            let aged = |priority: i32, since: Instant| {
                priority as f64 + now.duration_since(since).as_secs_f64() / self.ageing.as_secs_f64()
            };
            aged(p1, a).total_cmp(&aged(p2, b)).then(b.cmp(&a))
        })?;
        Some(level)
    }

    /// Every waiting task, in no particular order (for dispose and start failures).
    pub fn drain(&mut self) -> Vec<Task> {
        self.levels.clear();
        let mut tasks: Vec<Task> = self.tasks.drain().map(|(_, task)| task).collect();
        tasks.sort_by_key(|task| task.id);
        tasks
    }

    /// Keeps the invariant that every level's front ticket, if any, is live.
    /// An emptied level is kept while there are few: a queue that empties
    /// and fills again with every task (workers as fast as the submitter)
    /// would otherwise free and allocate a tree node and a deque each time.
    fn drop_stale_heads(&mut self) {
        let tasks = &self.tasks;
        for queue in self.levels.values_mut() {
            while queue.front().is_some_and(|ticket| !tasks.contains_key(ticket)) {
                queue.pop_front();
            }
        }
        if self.levels.len() > KEPT_LEVELS {
            self.levels.retain(|_, queue| !queue.is_empty());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::ids::HandlerId;

    fn task(id: u64, priority: i32) -> Task {
        Task {
            id: TaskId(id),
            handler: HandlerId(0),
            payload: vec![],
            timeout: None,
            priority,
            retries: 0,
            attempt: 1,
            submitted: Instant::now(),
            wait_deadline: None,
            announce: false,
        }
    }

    fn ids(queue: &mut TaskQueue) -> Vec<u64> {
        std::iter::from_fn(|| queue.pop()).map(|task| task.id.0).collect()
    }

    #[test]
    fn higher_priority_first_and_fifo_within_a_priority() {
        let mut queue = TaskQueue::new(Duration::from_secs(3600));
        for (id, priority) in [(1, 0), (2, 5), (3, 0), (4, 5), (5, -1), (6, 9)] {
            queue.push(task(id, priority));
        }
        assert_eq!(ids(&mut queue), vec![6, 2, 4, 1, 3, 5]);
        assert!(queue.is_empty());
    }

    #[test]
    fn removal_by_id_leaves_the_order_of_the_rest() {
        let mut queue = TaskQueue::new(Duration::from_secs(3600));
        for id in 1..=5 {
            queue.push(task(id, (id % 2) as i32));
        }
        assert_eq!(queue.remove(TaskId(3)).map(|t| t.id.0), Some(3));
        assert_eq!(queue.remove(TaskId(3)).map(|t| t.id.0), None);
        assert_eq!(queue.remove(TaskId(1)).map(|t| t.id.0), Some(1));
        assert_eq!(queue.len(), 3);
        assert_eq!(ids(&mut queue), vec![5, 2, 4]);
    }

    #[test]
    fn a_long_wait_outranks_a_higher_priority() {
        let mut queue = TaskQueue::new(Duration::from_millis(10));
        queue.push(task(1, 0));
        std::thread::sleep(Duration::from_millis(35)); // aged by more than 3 levels
        queue.push(task(2, 3));
        assert_eq!(ids(&mut queue), vec![1, 2]);
    }
}
