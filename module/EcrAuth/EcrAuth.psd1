@{
    RootModule           = 'EcrAuth.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '3b0f7c1e-8a52-4d6e-9f1a-2c4e5b7d9a10'
    Author               = 'EcrAuth contributors'
    CompanyName          = 'EcrAuth'
    Copyright            = '(c) EcrAuth contributors. MIT or Apache-2.0.'
    Description          = 'Log Docker into Amazon ECR from PowerShell, fast enough for $PROFILE and with no secret on any command line. Auth-ECR $key $secret.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FunctionsToExport    = @('Connect-EcrRegistry')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @('Auth-ECR')
    FileList             = @('EcrAuth.psd1', 'EcrAuth.psm1', 'Private/EcrAuth.Private.ps1')
    PrivateData          = @{
        PSData = @{
            Tags         = @('ECR', 'AWS', 'Docker', 'Login', 'Container', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/ecrauth/ecrauth'
            LicenseUri   = 'https://github.com/ecrauth/ecrauth/blob/main/LICENSE'
            ReleaseNotes = 'First release: Auth-ECR (Connect-EcrRegistry) logs Docker into ECR through a native Rust library.'
        }
    }
}
