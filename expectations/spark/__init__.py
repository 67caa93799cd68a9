"""Spark implementations of the audit metrics (GX ``SparkDFExecutionEngine``).

Each module computes on the executors the sufficient statistics of one audit module — level,
bin and cell counts, per-block counts for the bootstrap, distinct-value tables, group counts,
nearest-neighbour minima against a bounded broadcast sample — and hands them to the same pure
figure functions as the pandas path (``expectations.metrics``), so both engines report the same
figures. Only aggregates and bounded samples reach the driver. No Great Expectations import;
pyspark is imported here, so this package is only loaded when a Spark batch is audited.
"""
