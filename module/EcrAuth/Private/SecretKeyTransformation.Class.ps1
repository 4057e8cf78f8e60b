# The argument transformation of -SecretKey: a [SecureString] parameter (so PowerShell masks its
# Mandatory prompt) that also takes a plain string (`Auth-ECR $key $secret`). Its errors never
# show the value. PowerShell 7.4 and later; older ones load SecretKeyTransformation.Emit.ps1.
#
# [NoRunspaceAffinity()]: without it, the method would run in the runspace that defined the
# class, and with the module imported in several runspaces (ForEach-Object -Parallel, runspace
# pools) concurrent bindings race (the parallel test in EcrAuth.Faults.Tests.ps1 caught it).

[NoRunspaceAffinity()]
class EcrAuthSecretKeyTransformationAttribute : System.Management.Automation.ArgumentTransformationAttribute {
    [object] Transform([System.Management.Automation.EngineIntrinsics] $engineIntrinsics, [object] $inputData) {
        # (-is looks through a PSObject wrapper.)
        if ($null -eq $inputData -or $inputData -is [System.Security.SecureString]) { return $inputData }
        if ($inputData -is [string]) {
            $text = [string]$inputData
            if ($text.Length -eq 0) { throw [System.Management.Automation.ArgumentTransformationMetadataException]::new('The secret key is empty.') }
            if ($text.Length -gt 65536) {
                throw [System.Management.Automation.ArgumentTransformationMetadataException]::new('The secret key is longer than 65536 characters (the most a SecureString holds).')
            }
            return [System.Net.NetworkCredential]::new('', $text).SecurePassword
        }
        throw [System.Management.Automation.ArgumentTransformationMetadataException]::new('The secret key must be a string or a SecureString.')
    }
}

[AppDomain]::CurrentDomain.SetData('EcrAuth.SecretKeyTransformation', [EcrAuthSecretKeyTransformationAttribute])
