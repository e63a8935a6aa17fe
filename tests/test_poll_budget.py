"""The live views' polling budget: the interval grows with the class, in steps, within bounds."""

from __future__ import annotations

import threading

from lib.poll_budget import PollBudget


def test_one_session_polls_at_the_interval_it_asks_for():
    budget = PollBudget(cost=0.05)
    budget.polling("a", now=0.0)
    assert budget.interval(1.0, now=0.0) == 1.0
    assert budget.interval(2.0, now=0.0) == 2.0


def test_thirty_sessions_stay_within_the_share_of_a_core():
    budget = PollBudget(share=0.35, cost=0.05, longest=16.0)
    for i in range(30):
        budget.polling(f"s{i}", now=0.0)
    every = budget.interval(1.0, now=0.0)
    assert every in (1.0, 2.0, 4.0, 8.0, 16.0)  # base × a power of two
    assert 30 * 0.05 / every <= 0.35  # all polls together: at most 35 % of one core
    assert 30 * 0.05 / (every / 2) > 0.35  # and not slower than needed


def test_the_interval_never_passes_the_longest_wait():
    budget = PollBudget(cost=1.0, longest=16.0)
    for i in range(100):
        budget.polling(f"s{i}", now=0.0)
    assert budget.interval(1.0, now=0.0) == 16.0
    assert budget.interval(3.0, now=0.0) == 12.0  # 3 × 4; 3 × 8 would pass 16
    assert budget.interval(20.0, now=0.0) == 20.0  # never below what the view asked for


def test_a_stopped_or_silent_session_no_longer_counts():
    budget = PollBudget(longest=16.0)
    budget.polling("a", now=0.0)
    budget.polling("b", now=0.0)
    budget.stopped("a")
    assert budget.sessions(now=1.0) == 1
    assert budget.sessions(now=31.0) == 1  # b polled 31 s ago: still within 2 × longest
    assert budget.sessions(now=33.0) == 0  # a closed tab drops out


def test_the_cost_follows_measured_polls_and_ignores_nonsense():
    budget = PollBudget(cost=0.5)
    for _ in range(40):
        budget.spent(0.01)
    assert abs(budget.cost - 0.01) < 0.001
    budget.spent(float("nan"))
    budget.spent(-1.0)
    assert abs(budget.cost - 0.01) < 0.001


def test_sessions_polling_from_many_threads_are_all_counted():
    budget = PollBudget()

    def student(i: int) -> None:
        for _ in range(200):
            budget.polling(f"s{i}")
            budget.spent(0.02)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert budget.sessions() == 8
