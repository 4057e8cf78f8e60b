# Distribution: `build.ps1 Package` makes a .nupkg that installs from a local repository
# (offline) into a temporary user scope, after which Import-Module EcrAuth and Auth-ECR work.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
    $script:Root = Split-Path -Parent $PSScriptRoot
    $script:Pwsh = Get-TestPwsh
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
        if ($env:ECRAUTH_TEST_PACKAGE) {
            # The Windows leg: build.ps1 packaged it on the Linux side (cargo does not run here).
            $package = @(Get-Item -LiteralPath $env:ECRAUTH_TEST_PACKAGE)
        }
        else {
            $output = & $Pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'build.ps1') Package 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            $package = @(Get-ChildItem (Join-Path $Root 'out') -Filter 'EcrAuth.*.nupkg')
        }
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
        if ($IsWindows) {
            # The Windows user scope, Documents\PowerShell\Modules (the Windows leg's Wine profile is new for each run).
            $dataHome = [Environment]::GetFolderPath('MyDocuments')
            Remove-Item -LiteralPath (Join-Path $dataHome 'PowerShell\Modules\EcrAuth') -Recurse -Force -ErrorAction SilentlyContinue
        }
        try {
            if (-not $IsWindows) {
                # A fresh user scope. PSResourceGet installs CurrentUser modules under
                # HOME/.local/share while PowerShell searches XDG_DATA_HOME: keep the two equal.
                $env:HOME = $dataHome
                $env:XDG_DATA_HOME = Join-Path $dataHome '.local/share'
                $null = New-Item -ItemType Directory -Force -Path $env:XDG_DATA_HOME
            }
            $env:DOCKER_CONFIG = $docker
            $result = & $Pwsh -NoProfile -NonInteractive -Command $script 2>&1
            $exit = $LASTEXITCODE
        }
        finally {
            Restore-Environment $previous
        }
        $exit | Should -Be 0 -Because ($result | Out-String)
        $result[-3] | Should -BeLike "$dataHome*" -Because "the module must come from the temp user scope"
        $result[-2] | Should -Be '4' -Because 'the installed help (MAML) shows the four parameter sets'
        $result[-1] | Should -Be $Registry.Host
        $own = if ($IsWindows) { 'win-x64/ecr_auth.dll' } else { 'linux-x64/libecr_auth.so' }
        Test-Path (Join-Path $result[-3] $own) | Should -BeTrue
        # Each platform's library in the installed copy: its format, its machine, every function
        # the module binds. All three when the cross builds ran (build.ps1 Test -AllPlatforms).
        $expected = @(
            @{ Rid = 'linux-x64'; File = 'libecr_auth.so'; Format = 'ELF64'; Machine = 'x86-64' }
            @{ Rid = 'linux-arm64'; File = 'libecr_auth.so'; Format = 'ELF64'; Machine = 'AArch64' }
            @{ Rid = 'win-x64'; File = 'ecr_auth.dll'; Format = 'PE32+'; Machine = 'x86-64' }
        )
        foreach ($platform in $expected) {
            $path = Join-Path $result[-3] "$($platform.Rid)/$($platform.File)"
            if (-not (Test-Path $path) -and $env:ECRAUTH_TEST_ALL_PLATFORMS -ne '1') { continue }
            $facts = Get-NativeLibraryFact $path
            "$($platform.Rid): $($facts.Format) $($facts.Machine)" | Should -Be "$($platform.Rid): $($platform.Format) $($platform.Machine)"
            foreach ($name in Get-BoundNativeFunction) { $facts.Exports | Should -Contain $name -Because "$($platform.Rid) must export it" }
            $facts.Size | Should -BeLessOrEqual 6MB
            # The credential helper ships beside the library, for the same platform.
            $helperFile = if ($platform.Rid -like 'win-*') { 'docker-credential-ecrauth.exe' } else { 'docker-credential-ecrauth' }
            $helper = Get-NativeLibraryFact (Join-Path $result[-3] "$($platform.Rid)/$helperFile")
            "$($platform.Rid) helper: $($helper.Format) $($helper.Machine)" | Should -Be "$($platform.Rid) helper: $($platform.Format) $($platform.Machine)"
        }
        @(Get-ChildItem -Recurse -File $result[-3] | Where-Object { $_.Name -match '\.(old|new)$' }).Count | Should -Be 0
        (Get-Content -Raw (Join-Path $docker 'config.json')) | Should -Match ([regex]::Escape($Registry.Host))
    }
    It 'given a shell that loaded the installed library, Install again puts the new one in place by rename and that shell keeps working' {
        # Copy-StagedLibrary never writes into a library a shell may have loaded: on Unix it
        # renames over it (a new inode); Windows cannot overwrite or delete a loaded DLL, so it
        # moves it aside as ecr_auth.dll.<id>.old first.
        $home2 = Join-Path $Work 'install-home'
        $previous = @{ XDG_DATA_HOME = $env:XDG_DATA_HOME; HOME = $env:HOME; RUSTUP_HOME = $env:RUSTUP_HOME; CARGO_HOME = $env:CARGO_HOME; NUGET_PACKAGES = $env:NUGET_PACKAGES }
        $holder = $null
        # The Windows leg installs the staged libraries (cargo does not run there).
        $install = @((Join-Path $Root 'build.ps1'), 'Install')
        if ($env:ECRAUTH_TEST_PACKAGE) { $install += '-NoBuild' }
        try {
            $version = (Import-PowerShellDataFile (Join-Path $Root 'module/EcrAuth/EcrAuth.psd1')).ModuleVersion
            if ($IsWindows) {
                $library = Join-Path ([Environment]::GetFolderPath('MyDocuments')) "PowerShell\Modules\EcrAuth\$version\win-x64\ecr_auth.dll"
            }
            else {
                # Install builds first: rustup, cargo and NuGet's packages stay under the real HOME.
                if (-not $env:RUSTUP_HOME) { $env:RUSTUP_HOME = Join-Path $HOME '.rustup' }
                if (-not $env:CARGO_HOME) { $env:CARGO_HOME = Join-Path $HOME '.cargo' }
                if (-not $env:NUGET_PACKAGES) { $env:NUGET_PACKAGES = Join-Path $HOME '.nuget/packages' }
                $env:HOME = $home2
                $env:XDG_DATA_HOME = Join-Path $home2 '.local/share'
                $library = Join-Path $env:XDG_DATA_HOME "powershell/Modules/EcrAuth/$version/linux-x64/libecr_auth.so"
            }
            $output = & $Pwsh -NoProfile -NonInteractive -File @install 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            if (-not $IsWindows) { $before = (& stat -c %i $library) }
            $signal = Join-Path $Work 'install-signal'
            $log = Join-Path $Work 'holder.log'
            $script = "Import-Module EcrAuth; Get-EcrLoginPassword AKIDEXAMPLE secretkey -EndpointUrl '$($Ecr.Uri)'; " +
                "while (-not (Test-Path '$signal')) { Start-Sleep -Milliseconds 100 }; Get-EcrLoginPassword AKIDEXAMPLE secretkey -EndpointUrl '$($Ecr.Uri)'"
            # -NoNewWindow: PowerShell for Windows under Wine writes nothing without a console.
            $holder = Start-Process -FilePath $Pwsh -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', "`"$script`"") -PassThru -NoNewWindow -RedirectStandardOutput $log
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not ((Test-Path $log) -and (Get-Content $log -Raw) -match $Password) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            (Get-Content $log -Raw) | Should -Match $Password -Because 'the holding shell must have loaded the library'
            if ($IsWindows) {
                # Is the loaded DLL locked? On Windows it is; under Wine the test says what it saw.
                $locked = try { [IO.File]::Open($library, 'Open', 'ReadWrite', 'None').Dispose(); $false } catch { $true }
                Write-Host "      a loaded ecr_auth.dll is $(if ($locked) { 'locked' } else { 'not locked' }) against writing here"
            }
            $output = & $Pwsh -NoProfile -NonInteractive -File @install 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
            if ($IsWindows) {
                Test-Path -LiteralPath $library | Should -BeTrue
                # The loaded one went aside; while a shell holds it (real Windows), Install cannot
                # remove it and says so. Where it is not locked (Wine), the aside copy is gone.
                $aside = @(Get-ChildItem -LiteralPath (Split-Path $library) -Filter 'ecr_auth.dll.*.old').Count
                if ($locked) {
                    $aside | Should -Be 1
                    ($output | Out-String) | Should -Match 'Kept ecr_auth\.dll\.\w+\.old: a shell still has it loaded'
                }
                else { $aside | Should -Be 0 }
            }
            else { (& stat -c %i $library) | Should -Not -Be $before }
            $null = New-Item -ItemType File -Path $signal
            $holder.WaitForExit(30000) | Should -BeTrue
            @(Get-Content $log | Where-Object { $_ -eq $Password }).Count | Should -Be 2
            # A new shell gets the new library.
            $fresh = & $Pwsh -NoProfile -NonInteractive -Command "Import-Module EcrAuth; Get-EcrLoginPassword AKIDEXAMPLE secretkey -EndpointUrl '$($Ecr.Uri)'" 2>&1
            $fresh | Should -Contain $Password
        }
        finally {
            if ($holder -and -not $holder.HasExited) { $holder.Kill() }
            Restore-Environment $previous
        }
    }
}
