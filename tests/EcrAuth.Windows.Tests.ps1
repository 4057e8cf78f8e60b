# What differs on Windows, through the public commands: docker's and EcrAuth's folders, a
# client's standard input under a UTF-8 console, client paths with spaces and batch-file shims,
# the Windows certificate store. Runs on the Windows leg (PowerShell for Windows under Wine 10,
# `build.ps1 Test -Windows`, the registry, mock ECR and the real docker CLI on the Linux side
# behind the relaying docker.exe) and on real Windows in the hosted workflow; elsewhere it is
# skipped. Fake clients are tests/windows/fake_client.c built with MinGW.

BeforeDiscovery {
    $script:NotWindows = -not $IsWindows -and $PSVersionTable.PSEdition -eq 'Core'
    if ($NotWindows) { Write-Host 'SKIPPED EcrAuth.Windows.Tests.ps1: Windows only (the Windows leg, build.ps1 Test -Windows, runs it)' }
}

Describe 'Auth-ECR on Windows' -Tag Integration, Windows -Skip:$NotWindows {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'support/EcrTestStack.psm1') -Force
        Import-Module (Join-Path $PSScriptRoot '../module/EcrAuth') -Force
        $script:AccessKey = 'AKIAIOSFODNN7EXAMPLE'
        $script:SecretKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
        $script:Password = 'pw-' + [guid]::NewGuid().ToString('n')
        $script:Work = New-TestDirectory
        $script:PreviousAws = Use-IsolatedAwsEnvironment -Directory $Work
        $script:Previous = @{ PATH = $env:PATH; DOCKER_CONFIG = $env:DOCKER_CONFIG; USERPROFILE = $env:USERPROFILE; ECRAUTH_STATE_DIR = $env:ECRAUTH_STATE_DIR }
        $script:Registry = Start-TestRegistry -Password $Password
        $script:Ecr = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password

        function script:New-Folder([string] $Name) {
            $dir = Join-Path $Work ($Name + '-' + [guid]::NewGuid().ToString('n').Substring(0, 8))
            (New-Item -ItemType Directory -Path $dir).FullName
        }
        function script:Get-DockerAuth([string] $ConfigFile, [string] $HostName) {
            if (-not (Test-Path -LiteralPath $ConfigFile)) { return $null }
            $entry = (Get-Content -Raw $ConfigFile | ConvertFrom-Json).auths.PSObject.Properties[$HostName]
            if ($entry) { $entry.Value.auth } else { $null }
        }
        function script:Use-FakeDocker([string] $Directory) {
            # A fake docker.exe first on PATH; returns what New-FakeClient returns.
            $fake = New-FakeClient -Directory $Directory -Name docker
            $env:PATH = $Directory + ';' + $Previous.PATH
            $env:DOCKER_CONFIG = New-Folder 'docker'
            $fake
        }
    }
    AfterAll {
        Stop-TestProcess $Ecr
        Stop-TestProcess $Registry
        Restore-Environment $Previous
        Restore-Environment $PreviousAws
        Remove-Item -LiteralPath $Work -Recurse -Force -ErrorAction SilentlyContinue
    }
    AfterEach {
        Restore-Environment $Previous
        $env:ECRAUTH_STATE_DIR = Join-Path $Work 'ecrauth-state'
    }

    It 'given no DOCKER_CONFIG, docker''s config is %USERPROFILE%\.docker\config.json, which the repeat check reads; DOCKER_CONFIG moves it' {
        $env:USERPROFILE = New-Folder 'profile'
        Remove-Item env:DOCKER_CONFIG -ErrorAction SilentlyContinue
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        $config = Join-Path $env:USERPROFILE '.docker\config.json'
        Get-DockerAuth $config $Registry.Host | Should -Be ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("AWS:$Password")))
        $before = @(Get-MockEcrRequest $Ecr).Count
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        @(Get-MockEcrRequest $Ecr).Count | Should -Be $before -Because 'the login is in %USERPROFILE%\.docker\config.json'
        $env:DOCKER_CONFIG = New-Folder 'docker-config'
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri 6>$null
        Get-DockerAuth (Join-Path $env:DOCKER_CONFIG 'config.json') $Registry.Host | Should -Not -BeNullOrEmpty
    }

    It 'given no ECRAUTH_STATE_DIR, the records are under %LOCALAPPDATA%\EcrAuth\logins and Get-EcrConnection reads them' {
        $null = Use-FakeDocker (New-Folder 'bin')
        Remove-Item env:ECRAUTH_STATE_DIR
        $logins = [IO.Path]::Combine([Environment]::GetFolderPath('LocalApplicationData'), 'EcrAuth', 'logins')
        $existing = @(Get-ChildItem -LiteralPath $logins -Filter *.state -ErrorAction SilentlyContinue).Name
        try {
            Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
            $new = @(Get-ChildItem -LiteralPath $logins -Filter *.state | Where-Object { $existing -notcontains $_.Name })
            $new.Count | Should -Be 1
            (Get-Content -Raw $new[0].FullName) | Should -Not -Match ([regex]::Escape($Password))
            (Get-EcrConnection -Registry $Registry.Host).Registry | Should -Be $Registry.Host
        }
        finally { Disconnect-EcrRegistry -Registry $Registry.Host 6>$null }
        @(Get-ChildItem -LiteralPath $logins -Filter *.state | Where-Object { $existing -notcontains $_.Name }).Count | Should -Be 0
    }

    It 'given a UTF-8 console (chcp 65001, an input encoding with a byte-order mark), the client''s stdin holds exactly the password' {
        $fake = Use-FakeDocker (New-Folder 'bin')
        $saved = [Console]::InputEncoding
        try {
            $null = & cmd.exe /c chcp 65001
            [Console]::InputEncoding = [Text.UTF8Encoding]::new($true)
            Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        }
        finally { [Console]::InputEncoding = $saved }
        $bytes = [IO.File]::ReadAllBytes($fake.StdinBytesFile)
        [Convert]::ToBase64String($bytes) | Should -Be ([Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($Password)))
    }

    It 'given a client in a folder with spaces, it runs with its arguments intact' {
        $fake = Use-FakeDocker (Join-Path (New-Folder 'Program Files') 'Docker Tools\bin')
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        Get-Content $fake.ArgsFile | Should -Be "login --username AWS --password-stdin $($Registry.Host)"
        Get-Content $fake.StdinFile | Should -Be $Password
    }

    It 'given docker found as a docker.cmd shim (scoop, npm), it runs through cmd.exe with the password on stdin only' {
        $shim = New-Folder 'shim'
        $real = Use-FakeDocker (Join-Path $shim 'real')
        Set-Content -LiteralPath (Join-Path $shim 'docker.cmd') -Value "@`"%~dp0real\docker.exe`" %*" -Encoding ascii
        $env:PATH = $shim + ';' + $Previous.PATH
        (Get-Command docker -CommandType Application | Select-Object -First 1).Source | Should -BeLike '*docker.cmd'
        Auth-ECR $AccessKey $SecretKey -EndpointUrl $Ecr.Uri -Force 6>$null
        Get-Content $real.ArgsFile | Should -Be "login --username AWS --password-stdin $($Registry.Host)"
        [Text.Encoding]::UTF8.GetString([IO.File]::ReadAllBytes($real.StdinBytesFile)) | Should -Be $Password
        (Get-Content -Raw $real.CmdlineFile) | Should -Not -Match ([regex]::Escape($Password))
    }

    It 'given a batch-file client and an argument cmd.exe would interpret, it refuses to run it' {
        $shim = New-Folder 'shim'
        $real = Use-FakeDocker (Join-Path $shim 'real')
        Set-Content -LiteralPath (Join-Path $shim 'docker.cmd') -Value "@`"%~dp0real\docker.exe`" %*" -Encoding ascii
        $env:PATH = $shim + ';' + $Previous.PATH
        # An ECR answer whose user name holds cmd.exe's command separator.
        $odd = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -User 'AWS&echo'
        try {
            $failed = $null
            Auth-ECR $AccessKey $SecretKey -EndpointUrl $odd.Uri -Force -ErrorAction SilentlyContinue -ErrorVariable failed 6>$null
        }
        finally { Stop-TestProcess $odd }
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -Be 'EcrAuth.ClientArgumentUnsafe,EcrAuth.Commands.ConnectEcrRegistryCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failed[0].Exception.Message | Should -Match 'batch file.*cmd\.exe'
        $failed[0].Exception.Message | Should -Not -Match ([regex]::Escape($Password))
        Test-Path -LiteralPath $real.ArgsFile | Should -BeFalse -Because 'the shim must not have run'
    }

    It 'given the test CA in the Windows root store and no -CaBundle, an HTTPS endpoint is trusted' {
        $null = Use-FakeDocker (New-Folder 'bin')
        $tls = New-TestCertificate -Directory (New-Folder 'tls')
        $secure = Start-MockEcr -ProxyEndpoint "http://$($Registry.Host)" -Password $Password -TlsCertificate (Join-Path $tls 'cert.pem') -TlsKey (Join-Path $tls 'key.pem')
        # CurrentUser's root store asks the user on real Windows; the hosted runner (an
        # administrator) uses the machine's. Under Wine neither asks.
        $location = if (Test-WindowsLeg) { 'CurrentUser' } else { 'LocalMachine' }
        $ca = [Security.Cryptography.X509Certificates.X509Certificate2]::new((Join-Path $tls 'ca.der'))
        $store = [Security.Cryptography.X509Certificates.X509Store]::new('Root', $location)
        $added = $false
        try {
            { Auth-ECR $AccessKey $SecretKey -EndpointUrl $secure.Uri -TimeoutSec 10 -ErrorAction Stop 6>$null } | Should -Throw -ErrorId 'EcrAuth.Network,EcrAuth.Commands.ConnectEcrRegistryCommand'
            $store.Open('ReadWrite')
            $store.Add($ca)
            $added = $true
            $store.Close()   # (Wine writes the store out when it is closed)
            # A new shell: the library reads the system's roots once per process.
            $module = Join-Path $PSScriptRoot '../module/EcrAuth'
            $output = & (Get-TestPwsh) -NoProfile -NonInteractive -Command "Import-Module '$module'; Get-EcrLoginPassword $AccessKey $SecretKey -EndpointUrl $($secure.Uri) -TimeoutSec 10" 2>&1
            "$output" | Should -Be $Password
        }
        finally {
            if ($added) { $store.Open('ReadWrite'); $store.Remove($ca) }
            $store.Dispose()
            Stop-TestProcess $secure
        }
    }
}
