"""The count of a Labour Party leadership electoral college.

Pure domain code: no Prefect import anywhere in this package.
"""
