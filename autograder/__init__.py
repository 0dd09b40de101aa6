"""Autograder for Module 1.4: Mathematics for Deep Learning.

Deliberately empty of imports: the zygote that forks the sandboxed children
imports `autograder.sandbox` only, and nothing trusted should come along with it.
"""
