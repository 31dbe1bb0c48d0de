"""SHACL validation of a steward's files, of the build's data and of uploads.

The result model, the engine, the validator, its reports and the upload sandbox.
"""
