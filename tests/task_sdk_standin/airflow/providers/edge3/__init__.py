"""TEST DOUBLE standing in for apache-airflow-providers-edge3."""
import os

__version__ = os.environ.get("EDGECTL_STANDIN_EDGE_VERSION", "5.0.0")
