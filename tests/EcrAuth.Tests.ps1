# Unit tests: the module's shape, import behaviour, parameters and input checks.
# Anything that reaches a server uses the local stack on 127.0.0.1 (tests/support).

BeforeAll {
    $script:ModulePath = Join-Path $PSScriptRoot '../module/EcrAuth'
    $script:Manifest = Join-Path $ModulePath 'EcrAuth.psd1'
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    Import-Module $ModulePath -Force
    $script:Pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
}

Describe 'EcrAuth module' -Tag Unit {
    It 'given the manifest, Test-ModuleManifest accepts it' {
        $info = Test-ModuleManifest -Path $Manifest
        $info.Name | Should -Be 'EcrAuth'
        $info.PowerShellVersion | Should -Be ([version]'5.1')
        $info.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
    }

    It 'given the manifest, it exports its functions and the Auth-ECR alias by name, without wildcards' {
        $data = Import-PowerShellDataFile $Manifest
        $data.FunctionsToExport | Should -Be @('Connect-EcrRegistry', 'Disconnect-EcrRegistry', 'Get-EcrLoginPassword', 'Get-EcrConnection')
        (Get-Module EcrAuth).ExportedFunctions.Keys | Sort-Object | Should -Be (@($data.FunctionsToExport) | Sort-Object)
        $data.AliasesToExport | Should -Be @('Auth-ECR')
        $data.CmdletsToExport.Count | Should -Be 0
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

    It 'given no -Region, the declaration and the help say us-east-1' {
        $implementation = & (Get-Module EcrAuth) { (Get-Command Invoke-EcrConnect).ScriptBlock.Ast.Body.ParamBlock }
        $region = $implementation.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq 'Region' }
        $region.DefaultValue.Value | Should -Be 'us-east-1'
        (Get-Help Connect-EcrRegistry -Parameter Region).defaultValue | Should -Be 'us-east-1'
    }

    It 'given the other parameters, they exist with the right types' {
        $parameters = (Get-Command Connect-EcrRegistry).Parameters
        $parameters['SessionToken'].ParameterType | Should -Be ([string])
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
        $keys[0].position | Should -Be '0'
        $keys[0].required | Should -Be 'true'
        $keys[1].name | Should -Be 'SecretKey'
        $keys[2].name | Should -Be 'Region'
        $keys[2].position | Should -Be '2'
    }

    It 'given <Command>, Get-Help describes each of its parameters' -TestCases @(
        @{ Command = 'Connect-EcrRegistry' }, @{ Command = 'Get-EcrLoginPassword' },
        @{ Command = 'Disconnect-EcrRegistry' }, @{ Command = 'Get-EcrConnection' }
    ) {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters
        foreach ($name in (Get-Command $Command).Parameters.Keys | Where-Object { $common -notcontains $_ }) {
            $text = (Get-Help $Command -Parameter $name).description.Text -join ' '
            $text | Should -Not -BeNullOrEmpty -Because "-$name of $Command needs help text"
        }
    }

    It 'given the help sources, the committed en-US/EcrAuth-help.xml is up to date (./build.ps1 Help)' {
        $fresh = Join-Path (New-TestDirectory) 'EcrAuth-help.xml'
        & $Pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot '../module/Export-EcrAuthHelp.ps1') -OutFile $fresh
        $LASTEXITCODE | Should -Be 0
        (Get-Content -LiteralPath $fresh -Raw) | Should -BeExactly (Get-Content -LiteralPath (Join-Path $ModulePath 'en-US/EcrAuth-help.xml') -Raw)
    }

    It 'given a partial parameter name, tab completion offers the parameter' {
        $line = 'Auth-ECR -Acc'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain '-AccessKey'
    }

    It 'given the root module, it holds only the four command shells (what Import-Module parses)' {
        # Each extra construct here costs milliseconds at every import (benches/bench.ps1).
        $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $ModulePath 'EcrAuth.psm1'), [ref]$null, [ref]$null)
        @($ast.EndBlock.Statements | ForEach-Object { $_.GetType().Name } | Select-Object -Unique) | Should -Be @('FunctionDefinitionAst')
        @($ast.EndBlock.Statements.Name) | Should -Be @('Connect-EcrRegistry', 'Get-EcrLoginPassword', 'Disconnect-EcrRegistry', 'Get-EcrConnection')
        foreach ($function in $ast.EndBlock.Statements) {
            $function.Body.ParamBlock.Parameters.Count | Should -Be 0
            $function.Body.FindAll({ param($n) $n -is [System.Management.Automation.Language.TryStatementAst] }, $true) | Should -BeNullOrEmpty
        }
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
        $registry.position | Should -Be '0'
        $registry.globbing | Should -Be 'true'
    }

    It 'given a fresh shell, importing loads no implementation until a command is first used' {
        $script = "Import-Module '$ModulePath'; `$m = Get-Module EcrAuth; [bool](& `$m { Get-Command Invoke-EcrConnect -ErrorAction Ignore }); " +
        "`$null = (Get-Command Connect-EcrRegistry).Parameters; [bool](& `$m { Get-Command Invoke-EcrConnect -ErrorAction Ignore })"
        & $Pwsh -NoProfile -NonInteractive -Command $script | Should -Be @('False', 'True')
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
        @{ Case = 'a 1 MB secret key'; Arguments = @{ AccessKey = 'AKID'; SecretKey = ('s' * 1MB) }; Category = 'InvalidArgument'; Pattern = 'longer than' }
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
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $copy 'Private')
        Copy-Item (Join-Path $ModulePath 'EcrAuth.ps*1'), (Join-Path $ModulePath 'EcrAuth.Format.ps1xml') $copy
        Copy-Item (Join-Path $ModulePath 'Private/*') (Join-Path $copy 'Private')
        $script = "Import-Module '$copy'; try { Auth-ECR AKID secret -EndpointUrl http://127.0.0.1:1 } catch { `$_.CategoryInfo.Category; `$_.Exception.Message }"
        $output = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
        $output[0] | Should -Be 'ObjectNotFound'
        $output[1] | Should -Match ([regex]::Escape((Join-Path $copy 'linux-x64/libecr_auth.so')))
        $output[1] | Should -Match 'build.ps1 Build'
    }
}
