# Unit tests: the module's shape, import behaviour, parameters and input checks.
# Anything that reaches a server uses the local stack on 127.0.0.1 (tests/support).

BeforeAll {
    $script:ModulePath = Join-Path $PSScriptRoot '../module/EcrAuth'
    $script:Manifest = Join-Path $ModulePath 'EcrAuth.psd1'
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    Import-Module $ModulePath -Force
    $script:Pwsh = Get-TestPwsh
}

Describe 'EcrAuth module' -Tag Unit {
    It 'given a credential helper name holding a path, the repeat check does not run it' {
        # "docker-credential-" + "../evil" names <cwd>/docker-credential-../evil: a program
        # outside PATH that a crafted config.json could otherwise have run.
        $dir = Join-Path ([System.IO.Path]::GetTempPath()) ('ecrauth-helper-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path (Join-Path $dir 'docker-credential-..')
        $marker = Join-Path $dir 'ran'
        if ($IsWindows) {
            Set-Content -LiteralPath (Join-Path $dir 'docker-credential-..\evil.cmd') -Value "@echo ran> `"$marker`"`r`n@echo {}"
        }
        else {
            $evil = Join-Path $dir 'docker-credential-../evil'
            Set-Content -LiteralPath $evil -Value "#!/bin/sh`ntouch '$marker'`necho '{}'"
            & chmod +x $evil
        }
        Push-Location $dir
        try { $answer = [EcrAuth.Engine.RepeatCheck]::CredentialHelperList('../evil', [Func[string, string]] { param($name) Join-Path $dir $name }) }
        finally { Pop-Location }
        $answer | Should -BeNullOrEmpty
        Test-Path $marker | Should -BeFalse
        Remove-Item -LiteralPath $dir -Recurse -Force
    }

    It 'given the SHA-256 of the repeat check and the records, it is right and from an implementation FIPS mode allows' {
        # Windows PowerShell 5.1's SHA256.Create() is SHA256Managed, which throws under the FIPS
        # policy; the hosted workflow runs the 5.1 suite with that policy on.
        [EcrAuth.Engine.RepeatCheck]::Sha256Hex('abc') | Should -Be 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
        foreach ($file in Get-ChildItem -LiteralPath $ModulePath, (Join-Path $PSScriptRoot '../module/EcrAuth.Commands') -Recurse -Include *.ps1, *.psm1, *.cs) {
            (Get-Content -Raw $file.FullName) | Should -Not -Match '(SHA\d+|Aes|Rijndael|RIPEMD160|HMACSHA\d+)Managed' -Because "$($file.Name) must not use a managed (non-FIPS) algorithm"
        }
    }

    It 'given a NullPointer status from the library, the error is EcrAuth''s own bug (InvalidOperation), not the caller''s argument' {
        # The module never passes NULL: if the library says it did, the fault is ours.
        $record = [EcrAuth.Engine.Failures]::ToRecord([EcrAuth.Engine.Failure]::new('x', 2, 'm', $null))
        $record.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $record.FullyQualifiedErrorId | Should -Be 'EcrAuth.NullPointer'
    }

    It 'given an auth file, the credential helper for a host is its credHelpers entry, else credsStore, else none' {
        $both = '{ "auths": { "h:1": {} }, "credsStore": "desktop", "credHelpers": { "h:1": "ecr-login" } }'
        [EcrAuth.Engine.RepeatCheck]::CredentialHelperName($both, 'h:1') | Should -Be 'ecr-login'
        [EcrAuth.Engine.RepeatCheck]::CredentialHelperName($both, 'h:2') | Should -Be 'desktop'
        [EcrAuth.Engine.RepeatCheck]::CredentialHelperName('{ "auths": { "h:1": { "auth": "QVdTOnB3" } } }', 'h:1') | Should -Be ''
    }

    It 'given a platform the package has no library for (<RuntimeId>), the error names what it has and what to do' -TestCases @(
        @{ RuntimeId = 'win-arm64'; Advice = 'x64 PowerShell.*pwsh ./build.ps1 Build' }
        @{ RuntimeId = 'win-x86'; Advice = '64-bit PowerShell' }
        @{ RuntimeId = 'linux-riscv64'; Advice = 'Rust from rustup, then: pwsh ./build.ps1 Build' }
    ) {
        param($RuntimeId, $Advice)
        $record = try { [EcrAuth.Engine.Fetcher]::NativeLibraryPath((Resolve-Path $ModulePath).ProviderPath, $RuntimeId) } catch { $_.Exception.InnerException.ErrorRecord }
        $record.FullyQualifiedErrorId | Should -Be 'EcrAuth.NativeLibraryMissing'
        $record.CategoryInfo.Category | Should -Be 'NotInstalled'
        $record.Exception.Message | Should -Match "no native library for this platform, $RuntimeId"
        $record.Exception.Message | Should -Match 'this copy has libraries for: \S'
        $record.Exception.Message | Should -Match $Advice
    }

    It 'given the manifest, Test-ModuleManifest accepts it' {
        $info = Test-ModuleManifest -Path $Manifest
        $info.Name | Should -Be 'EcrAuth'
        $info.PowerShellVersion | Should -Be ([version]'5.1')
        $info.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
    }

    It 'given the manifest, it exports its cmdlets and the Auth-ECR alias by name, without wildcards' {
        $data = Import-PowerShellDataFile $Manifest
        $data.CmdletsToExport | Should -Be @('Connect-EcrRegistry', 'Disconnect-EcrRegistry', 'Get-EcrLoginPassword', 'Get-EcrConnection', 'Register-EcrCredentialHelper', 'Unregister-EcrCredentialHelper')
        (Get-Module EcrAuth).ExportedCmdlets.Keys | Sort-Object | Should -Be (@($data.CmdletsToExport) | Sort-Object)
        $data.AliasesToExport | Should -Be @('Auth-ECR')
        $data.FunctionsToExport.Count | Should -Be 0
        $data.VariablesToExport.Count | Should -Be 0
        $data.PrivateData.PSData.Tags | Should -Contain 'PSEdition_Core'
        foreach ($tag in 'ECR', 'AWS', 'Docker', 'Windows', 'Linux', 'MacOS') { $data.PrivateData.PSData.Tags | Should -Contain $tag }
        $data.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
    }

    It 'given a fresh shell, Import-Module EcrAuth prints nothing at all' {
        $output = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module '$ModulePath' *>&1; 'imported'" 2>&1
        $output | Should -Be @('imported')
    }

    It 'given Constrained Language Mode (AppLocker, WDAC), Import-Module EcrAuth works and its commands are there' {
        # Nothing at import is a .NET call CLM forbids: the P/Invoke binding and the -SecretKey
        # transformation are compiled (EcrAuth.dll). (The commands themselves are still script.)
        $script = "`$ExecutionContext.SessionState.LanguageMode = 'ConstrainedLanguage'; Import-Module '$ModulePath'; " +
        "`$ExecutionContext.SessionState.LanguageMode; (Get-Command Auth-ECR).ResolvedCommand.Name"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
        $output | Should -Be @('ConstrainedLanguage', 'Connect-EcrRegistry')
    }

    It 'given the module is already loaded, re-importing with -Force works and stays quiet' {
        $output = Import-Module $ModulePath -Force *>&1
        $output | Should -BeNullOrEmpty
        (Get-Command Auth-ECR).ResolvedCommand.Name | Should -Be 'Connect-EcrRegistry'
    }

    It 'given the alias Auth-ECR, it resolves to Connect-EcrRegistry, an approved verb' {
        (Get-Alias Auth-ECR).ResolvedCommand.Name | Should -Be 'Connect-EcrRegistry'
        (Get-Verb -Verb Connect) | Should -Not -BeNullOrEmpty
    }

    It 'given <Name>, its metadata is Mandatory=<Mandatory> Position=<Position>' -TestCases @(
        @{ Name = 'AccessKey'; Mandatory = $true; Position = 0 }
        @{ Name = 'SecretKey'; Mandatory = $true; Position = 1 }
        @{ Name = 'Region'; Mandatory = $false; Position = 2 }
    ) {
        $parameter = (Get-Command Connect-EcrRegistry).Parameters[$Name]
        $attribute = $parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.ParameterSetName -eq 'Keys' }
        $attribute.Mandatory | Should -Be $Mandatory
        $attribute.Position | Should -Be $Position
    }

    It 'given <Command> -Region, the help gives us-east-1 as the default only for keys and -Credential' -TestCases @(
        @{ Command = 'Connect-EcrRegistry' }, @{ Command = 'Get-EcrLoginPassword' }
    ) {
        # A declared default would show "Default value us-east-1" for every parameter set.
        $type = (Get-Command $Command).ImplementingType
        $type.GetProperty('Region').GetValue([Activator]::CreateInstance($type)) | Should -BeNullOrEmpty
        $help = Get-Help $Command -Parameter Region
        "$($help.defaultValue)" | Should -Not -Match 'us-east-1'
        $text = $help.description.Text -join ' '
        $text | Should -Match 'AccessKey/-SecretKey or -Credential, us-east-1'
        $text | Should -Match '-ProfileName or -UseDefaultCredentials,\s+AWS_REGION'
    }

    It 'given the other parameters, they exist with the right types' {
        $parameters = (Get-Command Connect-EcrRegistry).Parameters
        $parameters['SessionToken'].ParameterType | Should -Be ([securestring])
        $parameters['RegistryId'].ParameterType | Should -Be ([string[]])
        $parameters['EndpointUrl'].ParameterType | Should -Be ([string])
        $parameters['PassThru'].ParameterType | Should -Be ([switch])
        $parameters['Credential'].ParameterType | Should -Be ([pscredential])
        $parameters['ProfileName'].ParameterType | Should -Be ([string])
        $parameters['UseDefaultCredentials'].ParameterType | Should -Be ([switch])
        $parameters['Registry'].ParameterType | Should -Be ([string[]])
        $parameters['Public'].ParameterType | Should -Be ([switch])
        ($parameters['Client'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues |
            Should -Be @('docker', 'podman', 'finch', 'nerdctl', 'helm', 'oras')
        (Get-Command Connect-EcrRegistry).DefaultParameterSet | Should -Be 'Keys'
        $parameters.ContainsKey('WhatIf') | Should -BeTrue
        $parameters.ContainsKey('Confirm') | Should -BeTrue
    }

    It 'given a partial region, tab completion offers the known regions' {
        $line = 'Auth-ECR key secret -Region eu-we'
        $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Contain 'eu-west-1'
        $completions.CompletionMatches.CompletionText | Should -Not -Contain 'us-east-1'
    }

    It 'given Get-Help through the alias, it shows examples' {
        $help = Get-Help Auth-ECR -Examples
        @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        ($help.examples.example[0].code) | Should -Match 'Auth-ECR'
        (Get-Help Auth-ECR).Synopsis | Should -Match 'ECR'
    }

    It 'given Get-Help, the syntax shows every parameter set with AccessKey and SecretKey first' {
        $syntax = (Get-Help Connect-EcrRegistry).syntax.syntaxItem
        @($syntax).Count | Should -Be 4
        $keys = @($syntax[0].parameter)
        $keys[0].name | Should -Be 'AccessKey'
        $keys[0].position | Should -Be '1'   # Get-Help counts positions from 1
        $keys[0].required | Should -Be 'true'
        $keys[1].name | Should -Be 'SecretKey'
        $keys[2].name | Should -Be 'Region'
        $keys[2].position | Should -Be '3'
    }

    It 'given <Command>, Get-Help describes each of its parameters' -TestCases @(
        @{ Command = 'Connect-EcrRegistry' }, @{ Command = 'Get-EcrLoginPassword' },
        @{ Command = 'Disconnect-EcrRegistry' }, @{ Command = 'Get-EcrConnection' },
        @{ Command = 'Register-EcrCredentialHelper' }, @{ Command = 'Unregister-EcrCredentialHelper' }
    ) {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        foreach ($name in (Get-Command $Command).Parameters.Keys | Where-Object { $common -notcontains $_ }) {
            $text = (Get-Help $Command -Parameter $name).description.Text -join ' '
            $text | Should -Not -BeNullOrEmpty -Because "-$name of $Command needs help text"
        }
    }

    It 'given Get-Help Auth-ECR -Full, it is complete: synopsis, description, every parameter, inputs, outputs, examples, links' {
        $help = Get-Help Auth-ECR -Full
        $help.Name | Should -Be 'Connect-EcrRegistry'
        $help.Synopsis | Should -Match 'ECR'
        ($help.description.Text -join ' ') | Should -Match 'non-terminating error'
        @($help.parameters.parameter).Count | Should -Be 20
        ($help.inputTypes.inputType.type.name -join ' ') | Should -Match 'EcrAuth.Connection'
        ($help.returnValues.returnValue.type.name -join ' ') | Should -Match 'EcrAuth.Login'
        @($help.examples.example).Count | Should -BeGreaterOrEqual 6
        ($help.relatedLinks.navigationLink.linkText) | Should -Contain 'about_EcrAuth'
        ((Get-Help Auth-ECR -Parameter SecretKey).type.name) | Should -Be 'SecureString'
    }

    It 'given Get-Help about_EcrAuth, the topic explains the profile line, errors, state and streams' {
        $topic = Get-Help about_EcrAuth | Out-String
        foreach ($pattern in 'ErrorAction SilentlyContinue', 'ECRAUTH_STATE_DIR', 'information', 'REGISTRY_AUTH_FILE', 'HELM_REGISTRY_CONFIG') {
            $topic | Should -Match ([regex]::Escape($pattern))
        }
    }

    It 'given a partial parameter name, tab completion offers the parameter' {
        $line = 'Auth-ECR -Acc'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain '-AccessKey'
    }

    It 'given the module, the public commands are compiled cmdlets in EcrAuth.dll, one file each, with no dynamic parameters' {
        foreach ($name in 'Connect-EcrRegistry', 'Get-EcrLoginPassword', 'Disconnect-EcrRegistry', 'Get-EcrConnection') {
            $command = Get-Command $name
            $command.CommandType | Should -Be 'Cmdlet'
            $command.ImplementingType.Assembly.GetName().Name | Should -Be 'EcrAuth'
            $command.ImplementingType.GetInterfaces().Name | Should -Not -Contain 'IDynamicParameters'
            $file = Join-Path $PSScriptRoot "../module/EcrAuth.Commands/Commands/$($command.ImplementingType.Name).cs"
            Test-Path -LiteralPath $file | Should -BeTrue -Because "$name lives in a file named after its class"
        }
        # Every native call is declared in one file.
        $declaring = Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot '../module/EcrAuth.Commands') -Recurse -Filter *.cs |
            Where-Object { (Get-Content -Raw $_.FullName) -match '\bstatic extern\b' }
        $declaring.Name | Should -Be 'NativeMethods.cs'
        (Import-PowerShellDataFile $Manifest).RootModule | Should -Be 'EcrAuth.dll'
    }

    It 'given a user''s global strict mode and a global EcrCommandsLoaded, the commands still work, also after -Force' {
        $script = "Set-StrictMode -Version Latest; `$global:EcrCommandsLoaded = 1; Import-Module '$ModulePath'; " +
        "Auth-ECR AKIDEXAMPLE secret -WhatIf 6>`$null; Import-Module '$ModulePath' -Force; Get-EcrConnection -Registry none.example; 'done'"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
        $output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Should -BeNullOrEmpty
        $output[-1] | Should -Be 'done'
    }

    It 'given Get-Help, parameters come in declaration order and Get-EcrConnection -Registry is a positional wildcard' {
        $names = @((Get-Help Connect-EcrRegistry -Full).parameters.parameter.name)
        $names[0..2] | Should -Be @('AccessKey', 'SecretKey', 'Credential')
        $names[-2..-1] | Should -Be @('WhatIf', 'Confirm')
        $registry = Get-Help Get-EcrConnection -Parameter Registry
        $registry.position | Should -Be '1'
        $registry.globbing | Should -Be 'true'
    }

    It 'given the module files, they use no syntax Windows PowerShell 5.1 lacks' {
        $files = Get-ChildItem -LiteralPath $ModulePath -Recurse -Include *.ps1, *.psm1
        foreach ($file in $files) {
            $tokens = $null; $errors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($file.FullName, [ref]$tokens, [ref]$errors)
            $errors | Should -BeNullOrEmpty
            $modern = $ast.FindAll({
                    param($node)
                    $node.GetType().Name -in 'TernaryExpressionAst', 'PipelineChainAst' -or
                    ($node -is [System.Management.Automation.Language.BinaryExpressionAst] -and $node.Operator -eq 'QuestionQuestion') -or
                    ($node -is [System.Management.Automation.Language.AssignmentStatementAst] -and $node.Operator -eq 'QuestionQuestionEquals') -or
                    ($node -is [System.Management.Automation.Language.CommandParameterAst] -and $node.ParameterName -eq 'Parallel')
                }, $true)
            @($modern).Count | Should -Be 0 -Because "$($file.Name) must parse on Windows PowerShell 5.1"
            $tokens | Where-Object { $_.Kind -in 'QuestionDot', 'QuestionLBracket' } | Should -BeNullOrEmpty
        }
    }
}

Describe 'EcrAuth as PowerShell users use it' -Tag Unit {
    BeforeAll {
        $script:Work = New-TestDirectory
        $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
        function script:Invoke-Child([string] $Script) {
            & $Pwsh -NoProfile -NonInteractive -Command $Script 2>&1
        }
    }
    AfterAll {
        Restore-Environment $PreviousAws
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'given Import-Module -Prefix My, the commands work under their prefixed names' {
        $output = Invoke-Child ("`$env:ECRAUTH_STATE_DIR = '$Work/prefix-state'; Import-Module '$ModulePath' -Prefix My; " +
            "Connect-MyEcrRegistry AKIDEXAMPLE secret -WhatIf; @(Get-MyEcrConnection).Count; Disconnect-MyEcrRegistry -WhatIf; " +
            "(Get-Command Auth-MyECR).ResolvedCommand.Name; 'done'")
        $output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] } | Should -BeNullOrEmpty
        $output[-3] | Should -Be '0'
        $output[-2] | Should -Be 'Connect-MyEcrRegistry'
        $output[-1] | Should -Be 'done'
    }

    It 'given a user''s Pester test, Mock Connect-EcrRegistry -ParameterFilter { $ProfileName ... } works' {
        Mock Connect-EcrRegistry -ParameterFilter { $ProfileName -eq 'x' } -MockWith { 'mocked' }
        Connect-EcrRegistry -ProfileName x | Should -Be 'mocked'
        Should -Invoke Connect-EcrRegistry -Times 1 -Exactly -ParameterFilter { $ProfileName -eq 'x' }
    }

    It 'given CommandMetadata and Get-Command Auth-ECR, the real parameters are there' {
        $metadata = [System.Management.Automation.CommandMetadata]::new((Get-Command Connect-EcrRegistry))
        $metadata.Parameters.Keys | Should -Contain 'ProfileName'
        $metadata.Parameters.Keys | Should -Contain 'RoleArn'
        $metadata.Parameters.Count | Should -Be 18
        (Get-Command Auth-ECR).Parameters.Keys | Should -Contain 'AccessKey'
        (Get-Command Auth-ECR).Parameters.Keys | Should -Contain 'UseDefaultCredentials'
        (Get-Command Connect-EcrRegistry).ParameterSets.Name | Should -Be @('Keys', 'Credential', 'Profile', 'Default')
    }

    It 'given a fresh shell, the table views load at the first object, quietly: not at import, no verbose line, no WhatIf' {
        # One remembered login, so that Get-EcrConnection writes an object.
        $state = Join-Path $Work 'verbose-state/logins'
        $null = New-Item -ItemType Directory -Force -Path $state
        $expires = [DateTimeOffset]::UtcNow.AddHours(2).ToUnixTimeSeconds()
        [IO.File]::WriteAllText((Join-Path $state 'x.state'), "EcrAuth state 2`nClient`tdocker`nLogin`th.example`tAWS`t$expires`thttps://h.example`n")
        $output = Invoke-Child ("`$env:ECRAUTH_STATE_DIR = '$Work/verbose-state'; Import-Module '$ModulePath'; [bool](Get-FormatData -TypeName EcrAuth.Connection); " +
            "`$WhatIfPreference = `$true; `$VerbosePreference = 'Continue'; @(Get-EcrConnection -Verbose 4>&1 | ForEach-Object { `$_.GetType().Name }); " +
            "`$WhatIfPreference = `$false; `$VerbosePreference = 'SilentlyContinue'; [bool](Get-FormatData -TypeName EcrAuth.Connection); " +
            "(Get-EcrConnection | Format-Table | Out-String) -match 'ExpiresAt \(UTC\)'")
        $output | Should -Be @('False', 'PSCustomObject', 'True', 'True')
    }

    It 'given the shared parameters of Connect-EcrRegistry and Get-EcrLoginPassword, they are one declaration' {
        $connect = (Get-Command Connect-EcrRegistry).ImplementingType
        $password = (Get-Command Get-EcrLoginPassword).ImplementingType
        foreach ($name in 'AccessKey', 'SecretKey', 'Credential', 'ProfileName', 'UseDefaultCredentials', 'Region', 'SessionToken',
            'RegistryId', 'Registry', 'Public', 'EndpointUrl', 'CaBundle', 'TimeoutSec') {
            $connect.GetProperty($name).DeclaringType | Should -Be $password.GetProperty($name).DeclaringType -Because "-$name must not drift"
            $connect.GetProperty($name).DeclaringType.Name | Should -Be 'FetchCommandBase'
        }
    }

    It 'given -SecretKey, it is a SecureString (so the Mandatory prompt masks) that also takes a plain string' {
        $parameter = (Get-Command Connect-EcrRegistry).Parameters['SecretKey']
        $parameter.ParameterType | Should -Be ([securestring])
        $transformation = $parameter.Attributes | Where-Object { $_ -is [EcrAuth.SecretKeyTransformationAttribute] }
        $secure = ConvertTo-SecureString 'from-secure-string' -AsPlainText -Force
        foreach ($value in 'plain-secret', $secure) {
            $transformed = $transformation.Transform($ExecutionContext, $value)
            $transformed | Should -BeOfType [securestring]
            [Net.NetworkCredential]::new('', $transformed).Password | Should -BeIn 'plain-secret', 'from-secure-string'
        }
        Connect-EcrRegistry AKID 'secret' -WhatIf 6>$null
        Connect-EcrRegistry AKID $secure -WhatIf 6>$null
    }

    It 'given the compiled -SecretKey transformation, strings become SecureStrings and bad values get errors without the value' {
        $a = [EcrAuth.SecretKeyTransformationAttribute]::new()
        $a.Transform($ExecutionContext, 'abc').Length | Should -Be 3
        $a.Transform($ExecutionContext, [psobject]'abcd').Length | Should -Be 4
        $a.Transform($ExecutionContext, [Net.NetworkCredential]::new('', 'xy').SecurePassword).Length | Should -Be 2
        $messages = foreach ($bad in '', ('s' * 65537), 42) { try { $null = $a.Transform($ExecutionContext, $bad); 'no error' } catch { $_.Exception.InnerException.Message } }
        $messages | Should -Be @('The secret key is empty.', 'The secret key is longer than 65536 characters (the most a SecureString holds).', 'The secret key must be a string or a SecureString.')
    }

    It 'given a -SecretKey of the wrong type, the error does not show the value' {
        $failure = $null
        $value = @{ value = 'HASHTABLE-' + 'SECRET' }   # in a variable: a literal would be in PowerShell's position message
        try { Connect-EcrRegistry AKID $value -WhatIf } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'ParameterArgumentTransformationError*'
        ($failure | Out-String) | Should -Not -Match 'HASHTABLE-SECRET'
    }

    It 'given -EndpointUrl <Value>, the error shows it with the user:password part redacted' -TestCases @(
        @{ Value = 'http://user:pw@[::1'; Shown = 'http://***@[::1' }
        @{ Value = 'ftp://admin:hunter2@127.0.0.1/'; Shown = 'ftp://***@127.0.0.1/' }
        @{ Value = 'user:hunter2@host'; Shown = '***@host' }
        @{ Value = 'http://user:hunter2/x@[::1'; Shown = 'http://***@[::1' }
        @{ Value = 'http://user:hunter2#x@[::1'; Shown = 'http://***@[::1' }
    ) {
        $failure = $null
        try { Connect-EcrRegistry AKID secret -EndpointUrl $Value -WhatIf } catch { $failure = $_ }
        $failure.CategoryInfo.Category | Should -Be 'InvalidData'
        $failure.Exception.Message | Should -Match ([regex]::Escape("'$Shown'"))
        $failure.Exception.Message | Should -Not -Match 'pw@|hunter2'
    }

    It 'given AWS config and credentials files, -ProfileName completes their profiles' {
        $files = Join-Path $Work 'aws-completion'
        $null = New-Item -ItemType Directory -Force -Path $files
        Set-Content (Join-Path $files 'config') "[default]`nregion = eu-west-1`n[profile dev]`n[profile devops]`n[sso-session corp]`n[services local]`n"
        Set-Content (Join-Path $files 'credentials') "[ci]`n[dev]`n"
        $previous = $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE
        $env:AWS_CONFIG_FILE = Join-Path $files 'config'; $env:AWS_SHARED_CREDENTIALS_FILE = Join-Path $files 'credentials'
        try {
            $line = 'Auth-ECR -ProfileName '
            $all = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $line = 'Get-EcrLoginPassword -ProfileName dev'
            $dev = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
        }
        finally { $env:AWS_CONFIG_FILE, $env:AWS_SHARED_CREDENTIALS_FILE = $previous }
        $all | Sort-Object | Should -Be @('ci', 'default', 'dev', 'devops')
        $dev | Should -Be @('dev', 'devops')
    }

    It 'given remembered logins, -Registry completes their hosts for Disconnect-EcrRegistry and Connect-EcrRegistry' {
        $previous = $env:ECRAUTH_STATE_DIR
        $env:ECRAUTH_STATE_DIR = Join-Path $Work 'completion-state'
        try {
            $logins = Join-Path $env:ECRAUTH_STATE_DIR 'logins'
            $null = New-Item -ItemType Directory -Force -Path $logins
            $expires = [DateTimeOffset]::UtcNow.AddHours(6).ToUnixTimeSeconds()
            Set-Content -LiteralPath (Join-Path $logins 'a.state') -NoNewline -Value ("EcrAuth state 2`nClient`tdocker`n" +
                "Login`t111122223333.dkr.ecr.eu-west-1.amazonaws.com`tAWS`t$expires`thttps://111122223333.dkr.ecr.eu-west-1.amazonaws.com`n")
            foreach ($line in 'Disconnect-EcrRegistry 1111', 'Auth-ECR -ProfileName x -Registry 1111') {
                (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText |
                    Should -Be @('111122223333.dkr.ecr.eu-west-1.amazonaws.com')
            }
        }
        finally { $env:ECRAUTH_STATE_DIR = $previous }
    }

    It 'given Windows, docker''s folder is %USERPROFILE%\.docker and the state folder is under LocalApplicationData' {
        $previous = $env:USERPROFILE, $env:DOCKER_CONFIG, $env:ECRAUTH_STATE_DIR, $env:HOME
        try {
            $env:USERPROFILE = Join-Path $Work 'windows-profile'; $env:HOME = Join-Path $Work 'not-the-home'
            Remove-Item env:DOCKER_CONFIG, env:ECRAUTH_STATE_DIR -ErrorAction SilentlyContinue
            $paths = [EcrAuth.Engine.Platform]::ClientAuthFile('docker', 'Windows'), [EcrAuth.Engine.Platform]::StateDirectory($PWD.ProviderPath, 'Windows'),
            [EcrAuth.Engine.Platform]::ClientAuthFile('helm', 'Windows')
            $localAppData = [Environment]::GetFolderPath('LocalApplicationData')
            $appData = [Environment]::GetFolderPath('ApplicationData')
        }
        finally { $env:USERPROFILE, $env:DOCKER_CONFIG, $env:ECRAUTH_STATE_DIR, $env:HOME = $previous }
        $paths[0] | Should -Be ([IO.Path]::Combine($Work, 'windows-profile', '.docker', 'config.json'))
        $paths[1] | Should -Be ([IO.Path]::Combine($localAppData, 'EcrAuth', 'logins'))
        $paths[2] | Should -Be ([IO.Path]::Combine($appData, 'helm', 'registry', 'config.json'))
    }

    It 'given <Client> on <Platform> with <Case>, its auth file is <Expected>' -TestCases @(
        @{ Client = 'podman'; Platform = 'Linux'; Case = 'REGISTRY_AUTH_FILE'; Environment = @{ REGISTRY_AUTH_FILE = '/x/auth.json'; XDG_RUNTIME_DIR = '/run/user/1' }; Expected = '/x/auth.json' }
        @{ Client = 'podman'; Platform = 'Linux'; Case = 'XDG_RUNTIME_DIR'; Environment = @{ XDG_RUNTIME_DIR = '/run/user/1' }; Expected = '/run/user/1/containers/auth.json' }
        @{ Client = 'podman'; Platform = 'Linux'; Case = 'neither'; Environment = @{}; Expected = '/run/containers/<uid>/auth.json' }
        @{ Client = 'podman'; Platform = 'MacOS'; Case = 'XDG_RUNTIME_DIR'; Environment = @{ XDG_RUNTIME_DIR = '/run/user/1' }; Expected = '<home>/.config/containers/auth.json' }
        @{ Client = 'helm'; Platform = 'Linux'; Case = 'HELM_REGISTRY_CONFIG'; Environment = @{ HELM_REGISTRY_CONFIG = '/h/config.json' }; Expected = '/h/config.json' }
        @{ Client = 'helm'; Platform = 'Linux'; Case = 'HELM_CONFIG_HOME'; Environment = @{ HELM_CONFIG_HOME = '/hc' }; Expected = '/hc/registry/config.json' }
        @{ Client = 'helm'; Platform = 'Linux'; Case = 'XDG_CONFIG_HOME'; Environment = @{ XDG_CONFIG_HOME = '/xc' }; Expected = '/xc/helm/registry/config.json' }
        @{ Client = 'helm'; Platform = 'Linux'; Case = 'defaults'; Environment = @{}; Expected = '<home>/.config/helm/registry/config.json' }
        @{ Client = 'helm'; Platform = 'MacOS'; Case = 'defaults'; Environment = @{}; Expected = '<home>/Library/Preferences/helm/registry/config.json' }
        @{ Client = 'oras'; Platform = 'Linux'; Case = 'DOCKER_CONFIG'; Environment = @{ DOCKER_CONFIG = '/d' }; Expected = '/d/config.json' }
        @{ Client = 'nerdctl'; Platform = 'Linux'; Case = 'defaults'; Environment = @{}; Expected = '<home>/.docker/config.json' }
        @{ Client = 'finch'; Platform = 'MacOS'; Case = 'defaults'; Environment = @{}; Expected = '<home>/.finch/config.json' }
        @{ Client = 'finch'; Platform = 'Linux'; Case = 'defaults'; Environment = @{}; Expected = '' }
    ) {
        $names = 'REGISTRY_AUTH_FILE', 'XDG_RUNTIME_DIR', 'HELM_REGISTRY_CONFIG', 'HELM_CONFIG_HOME', 'XDG_CONFIG_HOME', 'DOCKER_CONFIG', 'HOME'
        $saved = @{}
        foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            foreach ($name in $names) { Set-EnvironmentValue $name $null }
            $env:HOME = '/home/tester'
            foreach ($name in $Environment.Keys) { Set-EnvironmentValue $name $Environment[$name] }
            $path = [EcrAuth.Engine.Platform]::ClientAuthFile($Client, $Platform)
        }
        finally { foreach ($name in $names) { Set-EnvironmentValue $name $saved[$name] } }
        if ($IsWindows) {
            # Another platform's rules, with Windows' separator where the path is joined.
            if ($Expected -like '*<uid>*') { Set-ItResult -Skipped -Because 'the user id comes from /proc, which Windows has not' }
            $path = $path.Replace('\', '/')
        }
        else { $uid = ((Get-Content /proc/self/status | Where-Object { $_ -like 'Uid:*' }) -split '\s+')[1] }
        $path | Should -Be ($Expected.Replace('<home>', '/home/tester').Replace('<uid>', $uid))
    }

    It 'given an auth file''s text, <Case>' -TestCases @(
        @{ Case = 'a host key counts'; Text = '{"auths":{"h.example:5000":{"auth":"eA=="}}}'; Expected = $true }
        @{ Case = 'a URL key counts'; Text = '{"auths": {"https://h.example:5000" : {}}}'; Expected = $true }
        @{ Case = 'a credHelpers key counts'; Text = '{"credHelpers":{"h.example:5000":"ecr-login"}}'; Expected = $true }
        @{ Case = 'a longer host does not'; Text = '{"auths":{"xh.example:5000":{}}}'; Expected = $false }
        @{ Case = 'a value does not'; Text = '{"currentContext":"h.example:5000"}'; Expected = $false }
        @{ Case = 'nothing does not'; Text = '{}'; Expected = $false }
    ) {
        [EcrAuth.Engine.RepeatCheck]::AuthFileHasHost($Text, 'h.example:5000') | Should -Be $Expected
    }

    It 'given a relative ECRAUTH_STATE_DIR, it is resolved once, against PowerShell''s current location' {
        $previous = $env:ECRAUTH_STATE_DIR
        $here = Join-Path $Work 'relative-base'
        $null = New-Item -ItemType Directory -Force -Path $here
        Push-Location $here
        try {
            $env:ECRAUTH_STATE_DIR = 'my-state'
            # What the commands resolve it against: PowerShell's location, not the process's folder.
            $path = [EcrAuth.Engine.Platform]::StateDirectory($PWD.ProviderPath, [EcrAuth.Engine.Platform]::Current)
        }
        finally { Pop-Location; $env:ECRAUTH_STATE_DIR = $previous }
        $path | Should -Be ([IO.Path]::Combine((Resolve-Path $here).ProviderPath, 'my-state', 'logins'))
    }
}

Describe 'Connect-EcrRegistry input checks' -Tag Unit {
    BeforeAll {
        $script:Work = New-TestDirectory
        $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
        $script:PreviousDockerConfig = $env:DOCKER_CONFIG
        $env:DOCKER_CONFIG = Join-Path $Work 'docker'
        # Never reached by a valid login here: only for proving nothing is sent.
        $script:Ecr = Start-MockEcr -ProxyEndpoint 'http://127.0.0.1:9' -Password 'unused-password'
    }
    AfterAll {
        Stop-TestProcess $Ecr
        $env:DOCKER_CONFIG = $PreviousDockerConfig
        Restore-Environment $PreviousAws
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It 'given -WhatIf, it fetches nothing and runs nothing' {
        Auth-ECR AKIDEXAMPLE 'secret/key' -EndpointUrl $Ecr.Uri -WhatIf
        @(Get-MockEcrRequest $Ecr).Count | Should -Be 0
        Test-Path (Join-Path $env:DOCKER_CONFIG 'config.json') | Should -BeFalse
    }

    It 'given <Case>, it fails with category <Category> and a clear message' -TestCases @(
        @{ Case = 'an empty access key'; Arguments = @{ AccessKey = ''; SecretKey = 's' }; Category = 'InvalidData'; Pattern = 'AccessKey' }
        @{ Case = 'an empty secret key'; Arguments = @{ AccessKey = 'AKID'; SecretKey = '' }; Category = 'InvalidData'; Pattern = 'SecretKey' }
        @{ Case = 'a whitespace access key'; Arguments = @{ AccessKey = '   '; SecretKey = 's' }; Category = 'InvalidArgument'; Pattern = 'access key id is empty' }
        @{ Case = 'a whitespace secret key'; Arguments = @{ AccessKey = 'AKID'; SecretKey = "  `t" }; Category = 'InvalidArgument'; Pattern = 'secret access key is empty' }
        @{ Case = 'a NUL in the access key'; Arguments = @{ AccessKey = "AKID`0X"; SecretKey = 's' }; Category = 'InvalidArgument'; Pattern = 'NUL' }
        @{ Case = 'a NUL in the secret key'; Arguments = @{ AccessKey = 'AKID'; SecretKey = "se`0cret" }; Category = 'InvalidArgument'; Pattern = 'NUL' }
        @{ Case = 'a key with spaces'; Arguments = @{ AccessKey = 'AKID X'; SecretKey = 's' }; Category = 'InvalidArgument'; Pattern = 'access key id' }
        @{ Case = 'a 1 MB access key'; Arguments = @{ AccessKey = ('A' * 1MB); SecretKey = 's' }; Category = 'InvalidArgument'; Pattern = 'access key id' }
        @{ Case = 'a 1 MB secret key'; Arguments = @{ AccessKey = 'AKID'; SecretKey = ('s' * 1MB) }; Category = 'InvalidData'; Pattern = 'longer than' }
        @{ Case = 'an upper-case region'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; Region = 'US-EAST-1' }; Category = 'InvalidData'; Pattern = 'not an AWS region' }
        @{ Case = 'a made-up region'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; Region = 'mars' }; Category = 'InvalidData'; Pattern = 'not an AWS region' }
        @{ Case = 'a 9-digit registry id'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; RegistryId = '123456789' }; Category = 'InvalidData'; Pattern = '12-digit' }
        @{ Case = 'a registry id with letters'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; RegistryId = '12345678901x' }; Category = 'InvalidData'; Pattern = '12-digit' }
        @{ Case = 'eleven registry ids'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; RegistryId = @('123456789012') * 11 }; Category = 'InvalidData'; Pattern = 'no more than 10' }
        @{ Case = 'a relative endpoint'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; EndpointUrl = 'not-a-url' }; Category = 'InvalidData'; Pattern = 'not an http\(s\) URL' }
        @{ Case = 'an ftp endpoint'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; EndpointUrl = 'ftp://127.0.0.1/' }; Category = 'InvalidData'; Pattern = 'not an http\(s\) URL' }
        @{ Case = 'an endpoint with credentials'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; EndpointUrl = 'http://user:pw@127.0.0.1:1' }; Category = 'InvalidArgument'; Pattern = 'user name or password' }
        @{ Case = 'an empty session token'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; SessionToken = '' }; Category = 'InvalidData'; Pattern = 'SessionToken' }
        @{ Case = 'a zero timeout'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; TimeoutSec = 0 }; Category = 'InvalidData'; Pattern = 'TimeoutSec' }
        @{ Case = 'a registry host that is not ECR'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; Registry = 'ghcr.io' }; Category = 'InvalidArgument'; Pattern = 'not an Amazon ECR registry host' }
        @{ Case = 'an ECR host with a bad account'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; Registry = '1234.dkr.ecr.us-east-1.amazonaws.com' }; Category = 'InvalidArgument'; Pattern = 'not an Amazon ECR registry host' }
        @{ Case = 'registry ids and hosts together'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; RegistryId = '123456789012'; Registry = '123456789012.dkr.ecr.us-east-1.amazonaws.com' }; Category = 'InvalidArgument'; Pattern = 'not both' }
        @{ Case = 'ECR Public with registry ids'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; Public = $true; RegistryId = '123456789012' }; Category = 'InvalidArgument'; Pattern = 'ECR Public' }
        @{ Case = 'an unknown client'; Arguments = @{ AccessKey = 'AKID'; SecretKey = 's'; Client = 'rkt' }; Category = 'InvalidData'; Pattern = 'Client' }
        @{ Case = 'a profile name with spaces'; Arguments = @{ ProfileName = 'my profile' }; Category = 'InvalidArgument'; Pattern = 'not a valid profile name' }
    ) {
        $arguments = $Arguments.Clone()
        if (-not $arguments.ContainsKey('EndpointUrl')) { $arguments.EndpointUrl = $Ecr.Uri }
        $failure = $null
        try { Connect-EcrRegistry @arguments -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.CategoryInfo.Category | Should -Be $Category
        $failure.Exception.Message | Should -Match $Pattern
        $failure.Exception.Message.Length | Should -BeLessThan 600
        @(Get-MockEcrRequest $Ecr).Count | Should -Be 0
        Test-Path (Join-Path $env:DOCKER_CONFIG 'config.json') | Should -BeFalse
    }

    It 'given docker is not on PATH, it says so before fetching anything' {
        $previousPath = $env:PATH
        try {
            $env:PATH = Join-Path $Work 'empty-bin'
            $failure = $null
            try { Auth-ECR AKIDEXAMPLE 'secret/key' -EndpointUrl $Ecr.Uri } catch { $failure = $_ }
        }
        finally { $env:PATH = $previousPath }
        $failure.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failure.FullyQualifiedErrorId | Should -BeLike 'EcrAuth.ClientNotFound*'
        $failure.Exception.Message | Should -Match "'docker' was not found on PATH"
        @(Get-MockEcrRequest $Ecr).Count | Should -Be 0
    }

    It 'given the native library is missing, the error names the expected path' {
        $copy = Join-Path $Work 'EcrAuth'
        $null = New-Item -ItemType Directory -Force -Path $copy
        Copy-Item (Join-Path $ModulePath 'EcrAuth.ps*1'), (Join-Path $ModulePath 'EcrAuth.Format.ps1xml'), (Join-Path $ModulePath 'EcrAuth.dll') $copy
        $script = "Import-Module '$copy'; try { Auth-ECR AKID secret -EndpointUrl http://127.0.0.1:1 } catch { `$_.CategoryInfo.Category; `$_.Exception.Message }"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
        $output[0] | Should -Be 'NotInstalled'
        $library = if ($IsWindows) { [IO.Path]::Combine($copy, 'win-x64', 'ecr_auth.dll') } else { [IO.Path]::Combine($copy, 'linux-x64', 'libecr_auth.so') }
        $output[1] | Should -Match ([regex]::Escape($library))
        $output[1] | Should -Match 'this copy has libraries for: none'
        $output[1] | Should -Match 'build.ps1 Build'
    }
}
