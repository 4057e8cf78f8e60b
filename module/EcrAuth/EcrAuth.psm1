# EcrAuth: log a container client into Amazon ECR.
#
# The four commands are compiled cmdlets in EcrAuth.dll (module/EcrAuth.Commands: one file per
# command under Commands/, every native call in Native/NativeMethods.cs), which the manifest
# loads as a nested module; their help is EcrAuth.dll-Help.xml, generated from the C# doc
# comments at build time, and about_EcrAuth is in en-US/. Compiled, they import in a few
# milliseconds and run in Constrained Language Mode (AppLocker, WDAC), where script that calls
# .NET does not.
#
# This file is what stays script: nothing yet is better done here. It keeps the module's entry
# (RootModule) so that a later script helper has a home without changing the manifest's shape.
