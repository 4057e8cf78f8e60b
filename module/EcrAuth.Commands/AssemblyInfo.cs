using System.Reflection;

// The module's version (EcrAuth.psd1's ModuleVersion); build.ps1 compiles this file as it is.
[assembly: AssemblyTitle("EcrAuth")]
[assembly: AssemblyDescription("EcrAuth's compiled part: the native library binding and the argument transformation of -SecretKey.")]
[assembly: AssemblyVersion("0.2.0.0")]
[assembly: AssemblyFileVersion("0.2.0.0")]
