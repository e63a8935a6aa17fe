"""Training: config checks, the training loop, jobs and executors (worker processes), the run store, evaluation."""
