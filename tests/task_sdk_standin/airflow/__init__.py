"""TEST DOUBLE standing in for Apache Airflow (see tests/task_sdk_standin/README.md)."""
import os

__version__ = os.environ.get("EDGECTL_STANDIN_AIRFLOW_VERSION", "3.1.0")
