"""PyTorch networks of stored architectures, for latency measurements and zero-cost proxies.

One module per space (``nb201``, ``nasbench_graph``); a space declares its builder with
``SearchSpace.network_builder(dataset)``, and an imported table may name a plug-in (``plugin``).
This package is the only place ArchBench imports torch for networks.
"""
