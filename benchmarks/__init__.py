"""Scripts that print performance figures; run each as `python benchmarks/<name>.py`."""
