# Distribution: `build.ps1 Package` makes a .nupkg that installs from a local repository
# (offline) into a temporary user scope, after which Import-Module EcrAuth and Auth-ECR work.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    $script:Root = Split-Path -Parent $PSScriptRoot
    $script:Pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
    $script:Work = New-TestDirectory
    $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
    $script:Password = 'pw-' + [guid]::NewGuid().ToString('n')
    $script:Registry = Start-TestRegistry -Password $Password
    $script:Ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password
}

AfterAll {
    Stop-TestProcess $Ecr
    Stop-TestProcess $Registry
    Restore-Environment $PreviousAws
    Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'build.ps1 Package' -Tag Integration {
    It 'given the package, a local repository install gives a working Import-Module EcrAuth and Auth-ECR' {
        $output = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build.ps1') Package 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        $package = @(Get-ChildItem (Join-Path $Root 'out') -Filter 'EcrAuth.*.nupkg')
        $package.Count | Should -Be 1

        $repository = Join-Path $Work 'repository'
        $null = New-Item -ItemType Directory -Path $repository
        $dataHome = Join-Path $Work 'data-home'
        $docker = Join-Path $Work 'docker'
        $script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name EcrAuthLocal -Uri '$repository' -Trusted
Publish-PSResource -NupkgPath '$($package[0].FullName)' -Repository EcrAuthLocal
Install-PSResource -Name EcrAuth -Repository EcrAuthLocal -Scope CurrentUser -TrustRepository
Import-Module EcrAuth
(Get-Module EcrAuth).ModuleBase
@((Get-Help Auth-ECR).syntax.syntaxItem).Count
Auth-ECR AKIDEXAMPLE secretkey -EndpointUrl '$($Ecr.Uri)' -PassThru 6>`$null | ForEach-Object Registry
"@
        $previous = @{ XDG_DATA_HOME = $env:XDG_DATA_HOME; HOME = $env:HOME; DOCKER_CONFIG = $env:DOCKER_CONFIG }
        try {
            # A fresh user scope. PSResourceGet installs CurrentUser modules under
            # HOME/.local/share while PowerShell searches XDG_DATA_HOME: keep the two equal.
            $env:HOME = $dataHome
            $env:XDG_DATA_HOME = Join-Path $dataHome '.local/share'
            $null = New-Item -ItemType Directory -Force -Path $env:XDG_DATA_HOME
            $env:DOCKER_CONFIG = $docker
            $result = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
            $exit = $LASTEXITCODE
        }
        finally {
            foreach ($name in $previous.Keys) { [Environment]::SetEnvironmentVariable($name, $previous[$name]) }
        }
        $exit | Should -Be 0 -Because ($result | Out-String)
        $result[-3] | Should -BeLike "$dataHome*" -Because "the module must come from the temp user scope"
        $result[-2] | Should -Be '4' -Because 'the installed help (comment-based) shows the four parameter sets'
        $result[-1] | Should -Be $Registry.Host
        Test-Path (Join-Path $result[-3] 'linux-x64/libecr_auth.so') | Should -BeTrue
        (Get-Content -Raw (Join-Path $docker 'config.json')) | Should -Match ([regex]::Escape($Registry.Host))
    }
}
