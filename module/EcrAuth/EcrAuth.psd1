@{
    # The commands are compiled cmdlets (module/EcrAuth.Commands): EcrAuth.dll, one netstandard2.0
    # assembly for Windows PowerShell 5.1 and every PowerShell 7, with its help in
    # en-US/EcrAuth.dll-Help.xml. It is the RootModule itself: a script module in front of it would
    # hold nothing and cost ~0.8 ms of every import (benches/bench.ps1, BENCHMARKS.md).
    RootModule           = 'EcrAuth.dll'
    ModuleVersion        = '0.3.0'
    GUID                 = '3b0f7c1e-8a52-4d6e-9f1a-2c4e5b7d9a10'
    Author               = 'EcrAuth contributors'
    CompanyName          = 'EcrAuth'
    Copyright            = '(c) EcrAuth contributors. MIT or Apache-2.0.'
    Description          = 'Log Docker into Amazon ECR from PowerShell, fast enough for $PROFILE and with no secret on any command line. Auth-ECR $key $secret.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    # EcrAuth.Format.ps1xml (the table views) is loaded when a command first writes an object,
    # not here: as FormatsToProcess it cost every import ~4 ms (Commands/FormatLoader.cs).
    FunctionsToExport    = @()
    CmdletsToExport      = @('Connect-EcrRegistry', 'Disconnect-EcrRegistry', 'Get-EcrLoginPassword', 'Get-EcrConnection', 'Register-EcrCredentialHelper', 'Unregister-EcrCredentialHelper')
    VariablesToExport    = @()
    AliasesToExport      = @('Auth-ECR')
    # No FileList: Import-Module checks every listed file at each import (~4 ms measured).
    PrivateData          = @{
        PSData = @{
            Tags         = @('ECR', 'AWS', 'Docker', 'Login', 'Container', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/ecrauth/ecrauth'
            LicenseUri   = 'https://github.com/ecrauth/ecrauth/blob/main/LICENSE'
            ReleaseNotes = 'Auth-ECR (Connect-EcrRegistry) logs Docker, podman, finch, nerdctl, helm or oras into ECR or ECR Public with keys, a PSCredential, a profile or the default chain; repeat logins are free while valid. Disconnect-EcrRegistry, Get-EcrConnection, Get-EcrLoginPassword. Register-EcrCredentialHelper sets up docker-credential-ecrauth, a credential helper that fetches a fresh token whenever docker needs one (Auth-ECR -CredentialHelper does it for a login). 0.3.0: -RoleArn (a role to assume, for logins and for the helper); the helper caches in the macOS Keychain too.'
        }
    }
}
